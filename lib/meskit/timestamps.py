"""datetime <-> google.protobuf.Timestamp, the conversions every servicer needs."""
from __future__ import annotations

from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

from meskit.errors import FieldViolation, InvalidArgument

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# What a datetime can hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z (RFC 3339's range).
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799
_NANOS = 1_000_000_000
OUT_OF_RANGE = "date hors de l'intervalle 0001-01-01 – 9999-12-31"


def timestamp(value: datetime | None) -> Timestamp | None:
    """Timestamp.FromDatetime's answer (a naive datetime is UTC), in a quarter of its time."""
    if value is None:
        return None
    since = (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)) - _EPOCH
    return Timestamp(seconds=since.days * 86_400 + since.seconds, nanos=since.microseconds * 1000)


def datetime_of(message, field: str, *, path: str = "") -> datetime | None:
    """A request's Timestamp field `field` as an aware UTC datetime, None when unset; InvalidArgument
    naming `path + field` for one that no date is (out of range, or nanos outside 0..999 999 999):
    Timestamp.ToDatetime would raise, and the request end as INTERNAL."""
    if not message.HasField(field):
        return None
    value = getattr(message, field)
    if not (_MIN_SECONDS <= value.seconds <= _MAX_SECONDS and 0 <= value.nanos < _NANOS):
        raise InvalidArgument(f"Date invalide : {path}{field}", violations=[FieldViolation(path + field, OUT_OF_RANGE)])
    return value.ToDatetime(tzinfo=timezone.utc)
