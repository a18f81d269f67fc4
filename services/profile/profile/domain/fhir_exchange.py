"""Use-cases of the FHIR R4 measures exchange of connected apps (DOMAIN §9): submit Observations (a
transaction all or nothing, a batch entry by entry, or one Observation alone), idempotent on the app's
Observation.identifier; search them by code and date. Each measurement code checked against the
app's consented purposes; every access audited as the app."""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import Caller
from meskit.errors import AlreadyExists, DomainError, FieldViolation, InvalidArgument, PermissionDenied

from profile.domain import auditing, fhir_bundle, fhir_observation, fhir_rendering, fhir_search, measurements
from profile.domain import measurement_rules as rules
from profile.domain import models as m
from profile.domain.app_access import AppAccess, app_access
from profile.domain.fhir_bundle import BATCH, SINGLE, Entry
from profile.domain.fhir_observation import Reading
from profile.domain.fhir_rendering import CREATED, OK, EntryAnswer
from profile.domain.ports import Dependencies

SOURCE_PREFIX = "urn:mes:app:"        # meta.source when the app gave none
MAX_DETAILED, DESCRIPTION_LIMIT, SUMMARY_LIMIT = 10, 200, 2000


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    location: str = ""                # an Observation posted alone: its absolute URL


def _reading(submission: fhir_bundle.Submission, entry: Entry, access: AppAccess,
             now: datetime) -> Reading | DomainError | None:
    """The entry's Observation checked and allowed, its refusal, or None for a Device."""
    if entry.fault:
        return entry.fault
    if not submission.is_observation(entry):
        return None
    try:
        reading = fhir_observation.read(entry.resource, entry.path, now)
        if reading.device and reading.device not in submission.devices:
            raise fhir_observation.invalid(f"{entry.path}.device.reference",
                                           "le Device référencé doit être dans le Bundle (Device/<id> ou son fullUrl)")
        access.grant.require(reading.code, write=True)
        return reading
    except (InvalidArgument, PermissionDenied) as error:
        return error


def _ranges(indices: list[int]) -> str:
    """[3, 5, 6, 7, 12] -> "3, 5-7, 12"."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _bounded(errors: list[tuple[int, DomainError]]) -> InvalidArgument:
    """One 422 naming every invalid entry: its first faults in full, the other entries by index (the gRPC
    status travels in a trailer of a few kilobytes)."""
    faults = [(index, v) for index, error in errors for v in error.violations]
    shown = [FieldViolation(v.field, v.description[:DESCRIPTION_LIMIT]) for _, v in faults[:MAX_DETAILED]]
    named = {index for index, _ in faults[:MAX_DETAILED]}
    others = sorted({index for index, _ in errors} - named)
    if others:
        shown.append(FieldViolation("Bundle.entry", f"entrées invalides aussi : {_ranges(others)}"[:SUMMARY_LIMIT]))
    elif len(faults) > MAX_DETAILED:
        shown.append(FieldViolation(faults[MAX_DETAILED][1].field, f"et {len(faults) - MAX_DETAILED} autre(s) faute(s)"))
    if len(errors) == 1:
        first = errors[0][1]
        return InvalidArgument(first.message, reason=first.reason, violations=shown)
    return InvalidArgument(f"{len(errors)} entrées invalides : transaction refusée", reason=fhir_observation.INVALID,
                           violations=shown)


def _whole_refusal(entries: list[Entry], results: list[Reading | DomainError | None]) -> DomainError | None:
    """A transaction (or an Observation alone) is refused as a whole: 403 first, else 422 naming every fault."""
    errors = [(entry.index, r) for entry, r in zip(entries, results) if isinstance(r, DomainError)]
    if not errors:
        return None
    denied = next((e for _, e in errors if isinstance(e, PermissionDenied)), None)
    return denied or _bounded(errors)


def _store(repo, access: AppAccess, entry: Entry, reading: Reading, now: datetime) -> tuple[EntryAnswer, m.Measurement]:
    """(answer, the measurement stored or found): a resent Observation stores nothing new."""
    if reading.identifier:
        stored = repo.measurement_by_identifier(access.patient_id, access.app_id, *reading.identifier)
        if stored is not None:
            if not reading.same_content(stored):
                raise AlreadyExists("Une autre Observation a déjà été reçue avec cet identifiant",
                                    reason="IDENTIFIER_CONFLICT", violations=[FieldViolation(
                                        f"{entry.path}.identifier[0]",
                                        "identifiant déjà reçu avec un autre contenu")])
            return EntryAnswer(OK, fhir_rendering.location(stored)), stored
    system, value = reading.identifier or ("", "")
    measurement = m.Measurement(
        measurement_id=str(uuid.uuid4()), patient_id=access.patient_id, code=reading.code,
        effective_time=reading.effective_time, metrics=reading.metrics, comment=reading.comment,
        context=reading.context, number_of_days=reading.number_of_days, author_type=m.EDITOR_SOLUTION,
        author_id=access.app_id, created_at=now, author_name=access.app_name,
        source=reading.source or SOURCE_PREFIX + access.app_id, identifier_system=system, identifier_value=value)
    repo.add_measurement(measurement)
    if reading.code in (rules.WEIGHT, rules.HEIGHT):
        measurements.compute_bmi(repo, access.patient_id, measurement, now)
    return EntryAnswer(CREATED, fhir_rendering.location(measurement)), measurement


def _labels(codes: list[str]) -> str:
    return ", ".join(f"{rules.KINDS[code].label} ({n})" for code, n in Counter(codes).items())


def submit(deps: Dependencies, caller: Caller, *, single: bool, body: bytes, base_url: str) -> Answer:
    access = app_access(deps, caller)
    submission = fhir_bundle.parse(body, single=single)
    now = deps.now()
    results = [_reading(submission, entry, access, now) for entry in submission.entries]
    if submission.kind != BATCH:
        refusal = _whole_refusal(submission.entries, results)
        if refusal:
            raise refusal
    answers: list[EntryAnswer] = []
    kept: list[m.Measurement] = []
    created: list[str] = []
    with deps.unit_of_work() as repo:
        repo.lock_profile(access.patient_id)
        for entry, result in zip(submission.entries, results):
            if result is None:
                answers.append(EntryAnswer(OK))           # a Device: what the Observations refer to
            elif isinstance(result, DomainError):
                answers.append(fhir_rendering.refusal(result))
            else:
                try:
                    answer, measurement = _store(repo, access, entry, result, now)
                except AlreadyExists as error:
                    if submission.kind != BATCH:
                        raise
                    answers.append(fhir_rendering.refusal(error))
                    continue
                answers.append(answer)
                kept.append(measurement)
                if answer.status == CREATED:
                    created.append(measurement.code)
        if created:
            auditing.app_change(access, repo, action=auditing.CREATE, resource_type=auditing.MEASUREMENT,
                                label=_labels(created), now=now)
    if submission.kind == SINGLE:
        return Answer(201 if answers[0].status == CREATED else 200, fhir_rendering.observation(kept[0]),
                      f"{base_url}/fhir/r4/{answers[0].location}")
    return Answer(200, fhir_rendering.response_bundle(submission.kind, answers))


def search(deps: Dependencies, caller: Caller, *, query: str, base_url: str) -> Answer:
    access = app_access(deps, caller)
    asked = fhir_search.parse(query)
    for code in asked.codes:
        access.grant.require(code, write=False)
    with deps.unit_of_work() as repo:
        found = repo.measurements_between(access.patient_id, asked.codes, asked.start, asked.end, asked.offset,
                                          asked.count + 1)
    auditing.app_read(deps, access, resource_type=auditing.MEASUREMENT,
                      label=", ".join(rules.KINDS[code].label for code in dict.fromkeys(asked.codes)))
    next_link = asked.link(base_url, asked.offset + asked.count) if len(found) > asked.count else ""
    return Answer(200, fhir_rendering.searchset(found[:asked.count], base_url, asked.link(base_url, asked.offset),
                                                next_link))
