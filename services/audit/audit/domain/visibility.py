"""Restricted resources and the redacted history (DOMAIN §10.3 embargo, §10.4 minor's secrecy).

Documents tells audit which of a patient's resources are restricted, by SetResourceVisibility (from
its outbox) and with every record about the resource (carried on append and applied in the transaction
that stores the record, so a record is never shown unredacted while its restriction travels
separately). The newest `as_of` wins: replays and late deliveries change nothing.

What the patient's side then sees of a record about a restricted resource:
- hidden from the patient (embargo, until the lift): the record with its date, action, group and
  decision, the neutral label below, and no title, resource id, actor, profession, rule, access mode
  or justification. Filters on the actor or the resource never match it (they would name them);
- hidden from the legal representatives: a delegate never sees the record (not listed, not found),
  the patient herself does.
The leaf and its hash are untouched: a proof is over the leaf hash (GetRecord's leaf_hash and
leaf_index, GetInclusionProof's audit path to a signed head), never over the fields shown, so a
redacted record still verifies. Operators and support see the records as stored.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone

from meskit.auth import DELEGATE, PATIENT, SERVICE, Caller
from meskit.errors import Violations

from audit.domain import appends
from audit.domain.models import Entry, Personal, Restriction, StoredRecord
from audit.domain.ports import Dependencies

PENDING_LABEL = "Document en attente de consultation d'annonce"
LIMITS = {"patient_id": 64, "resource_type": 64, "resource_id": 128}


@dataclass(frozen=True)
class HistoryViewer:
    """The patient's side reading the history: what the repository leaves out or must not match."""

    delegate: bool
    now: datetime


def viewer_of(caller: Caller, now: datetime) -> HistoryViewer | None:
    if caller.actor_type not in (PATIENT, DELEGATE):
        return None
    return HistoryViewer(delegate=caller.actor_type == DELEGATE, now=now)


def for_service(caller: Caller, now: datetime) -> HistoryViewer | None:
    """A service reading one record for the patient it names (identity, for her report) gets it as
    she sees it: never the author of a document she may not know of yet."""
    return HistoryViewer(delegate=False, now=now) if caller.actor_type == SERVICE else None


def checked(r: Restriction, v: Violations, prefix: str = "visibility.") -> Restriction:
    for name, limit in LIMITS.items():
        v.require(getattr(r, name), prefix + name)
        v.max_length(getattr(r, name), prefix + name, limit)
    if r.as_of is None:
        v.add(prefix + "as_of", "champ obligatoire")
        return r
    until = r.hidden_from_patient_until
    return dataclasses.replace(r, as_of=r.as_of.astimezone(timezone.utc),
                               hidden_from_patient_until=until.astimezone(timezone.utc) if until else None)


def set_resource_visibility(deps: Dependencies, caller: Caller, restriction: Restriction) -> bool:
    """Services only; True when it replaced an older restriction (or was the first)."""
    caller.require(SERVICE)
    v = Violations()
    restriction = checked(restriction, v)
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        return repo.apply_restriction(restriction)


def append_records(deps: Dependencies, caller: Caller, entries: list[Entry],
                   restrictions: list[Restriction | None], *, prefix: str = "records[{i}].") -> list[appends.Outcome]:
    """appends.append_records, applying the restrictions the records carry in the same transaction."""
    caller.require(SERVICE)
    v = Violations()
    carried = [checked(r, v, prefix.format(i=i) + "visibility.") for i, r in enumerate(restrictions) if r is not None]
    v.raise_if_any()
    return appends.append_records(deps.appender, caller, entries, prefix=prefix, restrictions=carried)


def shown_to(record: StoredRecord, viewer: HistoryViewer | None) -> StoredRecord | None:
    """The record as the patient's side may see it; None when a delegate must not see it at all."""
    restriction = record.restriction
    if viewer is None or restriction is None:
        return record
    if viewer.delegate and restriction.hidden_from_legal_representatives:
        return None
    if restriction.hidden_from_patient(viewer.now):
        return redacted(record)
    return record


def redacted(record: StoredRecord) -> StoredRecord:
    e = record.entry
    entry = dataclasses.replace(e, actor_type="", profession_code="", rule="", access_mode="",
                                personal=Personal(patient_id=e.personal.patient_id, resource_label=PENDING_LABEL))
    return dataclasses.replace(record, entry=entry)
