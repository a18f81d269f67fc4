"""Use-cases of the measurements: add (checked, the BMI computed beside a weight or a height), history,
delete."""
from __future__ import annotations

import uuid
from datetime import datetime

from meskit import paging
from meskit.auth import Caller
from meskit.errors import InvalidArgument, NotFound, require_ids

from profile.domain import auditing, measurement_rules as rules
from profile.domain import models as m
from profile.domain.access import who
from profile.domain.ports import Dependencies

HISTORY_PAGE = 50


def add(deps: Dependencies, caller: Caller, patient_id: str, code: str, effective_time: datetime | None,
        metrics: tuple[m.Metric, ...], *, comment: str = "", context: str = "", number_of_days: int = 0) -> m.Measurement:
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    checked = rules.check(code, metrics, comment=comment, context=context, number_of_days=number_of_days)
    now = deps.now()
    effective_time = rules.check_effective_time(effective_time, now)
    measurement = m.Measurement(measurement_id=str(uuid.uuid4()), patient_id=w.patient_id, code=code,
                                effective_time=effective_time, metrics=checked, comment=comment, context=context,
                                number_of_days=number_of_days, author_type=w.author_type, author_id=caller.subject,
                                created_at=now)
    with deps.unit_of_work() as repo:
        repo.lock_profile(w.patient_id)
        repo.add_measurement(measurement)
        if code in (rules.WEIGHT, rules.HEIGHT):
            compute_bmi(repo, w.patient_id, measurement, now)
        auditing.change(w, repo, action=auditing.CREATE, resource_type=auditing.MEASUREMENT,
                        resource_id=measurement.measurement_id, label=rules.KINDS[code].label, now=now)
    return measurement


def compute_bmi(repo, patient_id: str, new: m.Measurement, now: datetime) -> None:
    """The BMI of the new weight (or height) with the newest other one, dated as the new measurement."""
    other = repo.latest(patient_id, rules.HEIGHT if new.code == rules.WEIGHT else rules.WEIGHT)
    if other is None:
        return
    weight, height = (new, other) if new.code == rules.WEIGHT else (other, new)
    value = rules.bmi(weight.metrics[0].value, height.metrics[0].value)
    low, high = rules.KINDS[rules.BMI].low, rules.KINDS[rules.BMI].high
    if not low <= value <= high:
        return
    repo.add_measurement(m.Measurement(
        measurement_id=str(uuid.uuid4()), patient_id=patient_id, code=rules.BMI, effective_time=new.effective_time,
        metrics=(m.Metric(rules.BMI, value, rules.KINDS[rules.BMI].unit),), author_type=m.MES, author_id="profile",
        created_at=now, derived_from=(weight.measurement_id, height.measurement_id)))


def history(deps: Dependencies, caller: Caller, patient_id: str, code: str, page_size: int,
            page_token: str) -> tuple[list[m.Measurement], str]:
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    rules.kind_of(code)
    offset, limit = paging.page(page_size, page_token, default=HISTORY_PAGE)
    with deps.unit_of_work() as repo:
        found = repo.measurements(w.patient_id, code, offset, limit + 1)
    auditing.read(deps, w, resource_type=auditing.MEASUREMENT, label=rules.KINDS[code].label)
    return found[:limit], paging.next_token(offset, limit, len(found))


def delete(deps: Dependencies, caller: Caller, patient_id: str, measurement_id: str) -> None:
    require_ids(measurement_id=measurement_id)
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    now = deps.now()
    with deps.unit_of_work() as repo:
        found = repo.measurement(w.patient_id, measurement_id)
        if found is None:
            raise NotFound("Mesure introuvable", reason="MEASUREMENT_NOT_FOUND")
        if found.author_type == m.MES:
            raise InvalidArgument("L'IMC calculé part avec le poids ou la taille dont il vient",
                                  reason="BMI_COMPUTED")
        repo.delete_measurement(w.patient_id, measurement_id)
        auditing.change(w, repo, action=auditing.DELETE, resource_type=auditing.MEASUREMENT,
                        resource_id=measurement_id, label=rules.KINDS[found.code].label, now=now)
