from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from meskit.timestamps import timestamp


@pytest.mark.parametrize("value", [
    datetime(2026, 12, 3, 10, 53, 23, 123456, tzinfo=timezone.utc),
    datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),
    datetime(1946, 8, 3, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    datetime(2026, 12, 3, 10, 53, 23, 1)])           # naive: UTC
def test_as_from_datetime_says(value):
    expected = Timestamp()
    expected.FromDatetime(value)
    assert timestamp(value) == expected


def test_none_stays_none():
    assert timestamp(None) is None
