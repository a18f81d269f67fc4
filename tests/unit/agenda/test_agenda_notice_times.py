"""An appointment's reminder goes out the day before at 09:00 Paris time, in winter (UTC+1), in
summer (UTC+2) and across both daylight-saving changes (last Sunday of March and of October)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agenda.domain.notice_times import appointment_notice_at, paris_date

UTC = timezone.utc


@pytest.mark.parametrize(("start", "expected"), [
    # winter: 09:00 Paris = 08:00 UTC
    (datetime(2026, 1, 15, 9, 0, tzinfo=UTC), datetime(2026, 1, 14, 8, 0, tzinfo=UTC)),
    # summer: 09:00 Paris = 07:00 UTC
    (datetime(2026, 7, 15, 9, 0, tzinfo=UTC), datetime(2026, 7, 14, 7, 0, tzinfo=UTC)),
    # Monday after the last Sunday of March (29 March 2026): the reminder on the Sunday, already summer time
    (datetime(2026, 3, 30, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
    # appointment on the Sunday of the change itself: reminder on Saturday, still winter time
    (datetime(2026, 3, 29, 8, 0, tzinfo=UTC), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
    # Monday after the last Sunday of October (25 October 2026): the reminder on the Sunday, winter time again
    (datetime(2026, 10, 26, 9, 0, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    # appointment on that Sunday: reminder on Saturday, still summer time
    (datetime(2026, 10, 25, 9, 0, tzinfo=UTC), datetime(2026, 10, 24, 7, 0, tzinfo=UTC)),
    # 00:30 Paris on 1 Jan (23:30 UTC the day before): its Paris date counts
    (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), datetime(2025, 12, 31, 8, 0, tzinfo=UTC)),
])
def test_the_default_reminder_is_the_day_before_at_nine_paris_time(start, expected):
    assert appointment_notice_at(start) == expected


def test_the_date_of_a_reminder_is_its_paris_date():
    assert str(paris_date(datetime(2026, 10, 24, 22, 30, tzinfo=UTC))) == "2026-10-25"
    assert str(paris_date(datetime(2026, 10, 25, 22, 30, tzinfo=UTC))) == "2026-10-25"   # 23:30 CET


def test_the_persons_chosen_time_replaces_nine_and_malformed_times_are_told_apart():
    from agenda.domain.notice_times import notice_time
    chosen = notice_time("18:30")
    assert appointment_notice_at(datetime(2026, 10, 26, 9, 0, tzinfo=UTC), chosen) == datetime(
        2026, 10, 25, 17, 30, tzinfo=UTC)                    # Sunday of the change, winter time by 18:30
    assert notice_time("") == notice_time("09:00")
    assert [notice_time(t) for t in ("24:00", "9:00", "09:60", "0900", "09:00 ")] == [None] * 5
    # 02:30 does not exist on the last Sunday of March: read with the offset before the change (03:30 CEST)
    assert appointment_notice_at(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), notice_time("02:30")) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC)
