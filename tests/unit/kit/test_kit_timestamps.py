from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from meskit.errors import InvalidArgument
from meskit.timestamps import datetime_of, timestamp


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


class TestDatetimeOf:
    """A request's Timestamp as a datetime; one no date is refuses the request naming the field (the
    fuzz of tests/e2e/test_fuzz_grpc.py found INTERNAL answers: ToDatetime raised)."""

    def test_a_set_field_is_its_utc_datetime_and_an_unset_one_none(self):
        from mes.agenda.v1 import agenda_pb2 as pb
        request = pb.ListAppointmentsRequest(start_time=Timestamp(seconds=1_796_300_000, nanos=999_999_999))
        assert datetime_of(request, "start_time") == datetime(2026, 12, 3, 12, 13, 20, 999999, tzinfo=timezone.utc)
        assert datetime_of(request, "end_time") is None

    @pytest.mark.parametrize("value", [
        Timestamp(nanos=-1), Timestamp(nanos=1_000_000_000), Timestamp(seconds=253_402_300_800),
        Timestamp(seconds=-62_135_596_801), Timestamp(seconds=-2**63)])
    def test_one_that_no_date_is_is_refused_naming_the_field(self, value):
        from mes.profile.v1 import profile_pb2 as pb
        measurement = pb.Measurement(effective_time=value)
        with pytest.raises(InvalidArgument) as refused:
            datetime_of(measurement, "effective_time", path="measurement.")
        assert [v.field for v in refused.value.violations] == ["measurement.effective_time"]

    @pytest.mark.parametrize("value", [Timestamp(seconds=-62_135_596_800), Timestamp(seconds=253_402_300_799)])
    def test_the_first_and_last_seconds_of_the_range_are_dates(self, value):
        from mes.profile.v1 import profile_pb2 as pb
        assert datetime_of(pb.Measurement(effective_time=value), "effective_time").year in (1, 9999)
