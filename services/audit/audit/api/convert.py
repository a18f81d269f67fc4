"""proto <-> domain conversions for audit. Enum values travel as their names without the prefix."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from mes.audit.v1 import audit_pb2 as pb

from meskit.errors import FieldViolation, InvalidArgument

from audit.domain.activity import RecordFilter
from audit.domain.models import Entry, LogKey, Personal, Restriction, StoredRecord, TreeHead
from meskit.timestamps import timestamp

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ENUMS: dict[str, tuple[Any, str]] = {"actor_type": (pb.ActorType, "ACTOR_TYPE_"), "action": (pb.Action, "ACTION_"),
         "group": (pb.ActivityGroup, "ACTIVITY_GROUP_"), "decision": (pb.Decision, "DECISION_"),
         "access_mode": (pb.AccessMode, "ACCESS_MODE_")}


# name -> value and value -> name of each enum, the unspecified value named "" (per append, a dict
# lookup instead of the enum wrapper's).
_VALUES = {kind: {name.removeprefix(prefix): number for name, number in enum.items()} for kind, (enum, prefix)
           in ENUMS.items()}
_NAMES = {kind: {number: name for name, number in values.items()} for kind, values in _VALUES.items()}
for _values, _names in zip(_VALUES.values(), _NAMES.values()):
    _values[""] = _values.pop("UNSPECIFIED")
    _names[_values[""]] = ""


def name_of(kind: str, value: int) -> str:
    """"" for the unspecified value and for values this version does not know."""
    return _NAMES[kind].get(value, "")


def names_of(kind: str, values) -> tuple[str, ...]:
    return tuple(n for n in (name_of(kind, v) for v in values) if n)


def value_of(kind: str, name: str) -> Any:
    return _VALUES[kind].get(name, 0)


def to_datetime(ts: Timestamp, field: str = "") -> datetime:
    """UTC, truncated to microseconds (what PostgreSQL keeps and the leaf commits to)."""
    try:
        return EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)
    except OverflowError:
        raise InvalidArgument("Date hors limites", violations=[FieldViolation(field, "date hors limites")]) from None


def _timestamp(value: datetime) -> Timestamp:
    """meskit.timestamps.timestamp for an aware datetime, by arithmetic (twice per record returned)."""
    delta = value - EPOCH
    return Timestamp(seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000)


def optional_datetime(message, field: str) -> datetime | None:
    return to_datetime(getattr(message, field), field) if message.HasField(field) else None


def entry(r: pb.Record) -> Entry:
    a = r.actor
    return Entry(   # occurred_at missing stays None here: appends.validate() refuses it, naming the field
        record_id=r.record_id.strip(), occurred_at=optional_datetime(r, "occurred_at"),  # type: ignore[arg-type]
        actor_type=name_of("actor_type", a.type), action=name_of("action", r.action),
        decision=name_of("decision", r.decision),
        personal=Personal(patient_id=r.patient_id, actor_id=a.id, rpps=a.rpps, on_behalf_of=a.on_behalf_of,
                          display_name=a.display_name, resource_id=r.resource_id,
                          resource_label=r.resource_label, justification=r.justification),
        profession_code=a.profession_code, group=name_of("group", r.group), resource_type=r.resource_type,
        rule=r.rule, access_mode=name_of("access_mode", r.access_mode), service=r.service,
        request_id=r.request_id, matrix_version=r.matrix_version.strip())


def restriction(v: pb.ResourceVisibility) -> Restriction:
    """as_of missing stays None here: visibility.checked() refuses it, naming the field."""
    return Restriction(patient_id=v.patient_id, resource_type=v.resource_type, resource_id=v.resource_id,
                       hidden_from_patient_until=optional_datetime(v, "hidden_from_patient_until"),
                       hidden_from_legal_representatives=v.hidden_from_legal_representatives,
                       as_of=optional_datetime(v, "as_of"))  # type: ignore[arg-type]


def carried(r: pb.Record) -> Restriction | None:
    return restriction(r.visibility) if r.HasField("visibility") else None


def record(s: StoredRecord) -> pb.Record:
    e, p = s.entry, s.entry.personal
    return pb.Record(
        record_id=e.record_id, occurred_at=_timestamp(e.occurred_at),
        actor=pb.Actor(type=value_of("actor_type", e.actor_type), id=p.actor_id,
                       profession_code=e.profession_code, rpps=p.rpps, on_behalf_of=p.on_behalf_of,
                       display_name=p.display_name),
        action=value_of("action", e.action), group=value_of("group", e.group), patient_id=p.patient_id,
        resource_type=e.resource_type, resource_id=p.resource_id, resource_label=p.resource_label,
        decision=value_of("decision", e.decision), rule=e.rule, access_mode=value_of("access_mode", e.access_mode),
        justification=p.justification, service=e.service, request_id=e.request_id,
        matrix_version=e.matrix_version, leaf_index=s.leaf_index,
        leaf_hash=s.leaf_hash, appended_at=_timestamp(s.appended_at), personal_data_erased=s.erased)


def activity_filter(r: pb.ListActivityRequest) -> RecordFilter:
    return RecordFilter(actor_types=names_of("actor_type", r.actor_types), actions=names_of("action", r.actions),
                        groups=names_of("group", r.groups), resource_type=r.resource_type,
                        resource_id=r.resource_id, start_time=optional_datetime(r, "start_time"),
                        end_time=optional_datetime(r, "end_time"))


def search_filter(r: pb.SearchRecordsRequest) -> RecordFilter:
    decision = name_of("decision", r.decision)
    return RecordFilter(patient_id=r.patient_id, actor_id=r.actor_id, actions=names_of("action", r.actions),
                        decisions=(decision,) if decision else (), start_time=optional_datetime(r, "start_time"),
                        end_time=optional_datetime(r, "end_time"))


def tree_head(h: TreeHead) -> pb.SignedTreeHead:
    return pb.SignedTreeHead(tree_size=h.tree_size, timestamp=timestamp(EPOCH + timedelta(milliseconds=h.timestamp_ms)),
                             root_hash=h.root_hash, signature=h.signature, key_id=h.key_id,
                             signature_algorithm=h.algorithm)


def log_key(k: LogKey) -> pb.LogKey:
    return pb.LogKey(key_id=k.key_id, algorithm=k.algorithm, public_key=k.public_key,
                     not_before=timestamp(k.not_before), not_after=timestamp(k.not_after))
