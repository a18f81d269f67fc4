"""Prevention items between the engine's terms and the proto's."""
from __future__ import annotations

from datetime import date

from google.protobuf.timestamp_pb2 import Timestamp
from mes.agenda.v1 import agenda_pb2 as pb

from agenda.domain.prevention_calendar import Shown

TYPE_TO_PB = {name: pb.PreventionType.Value(f"PREVENTION_TYPE_{name}") for name in (
    "CAR_SANTE", "BILAN_AQ", "CAR_VAC", "MT_DENTS", "PREV_DENT", "PREV_OPHT", "EXAMEN_DEPISTAGE")}
TYPE_FROM_PB = {v: k for k, v in TYPE_TO_PB.items()}
STATUS_TO_PB = {name: pb.PreventionStatus.Value(f"PREVENTION_STATUS_{name}") for name in (
    "TO_PLAN", "NOT_SPECIFIED", "DONE", "NOT_DONE")}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def prevention_item(s: Shown) -> pb.PreventionItem:
    o = s.item.occurrence
    item = pb.PreventionItem(
        item_id=o.item_id, code=o.rule.id, type=TYPE_TO_PB[o.rule.type], title=o.rule.label,
        requirement_level=pb.REQUIREMENT_LEVEL_OBLIGATOIRE if o.rule.mandatory else pb.REQUIREMENT_LEVEL_RECOMMANDE,
        occurrence=o.n, window_start=_day(o.start), window_end=_day(o.end), due_date=_day(o.due),
        status=STATUS_TO_PB[s.item.status], condition=o.rule.condition, schedule_version=s.schedule_version)
    if s.stored is not None:
        item.execution_date = _day(s.stored.execution_date)
        stamp = Timestamp()
        stamp.FromDatetime(s.stored.marked_at)
        item.marked_at.CopyFrom(stamp)
    return item
