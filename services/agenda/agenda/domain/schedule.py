"""When notices go out, computed in Europe/Paris (DOMAIN §10.7): an appointment's reminder the day
before at 09:00 Paris time, whatever the offset that day (CET or CEST)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_NOTICE_TIME = time(9, 0)
# A reminder of the agenda missed by more than this (the service was down) is no longer useful.
REMINDER_GRACE = timedelta(hours=12)


def paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def appointment_notice_at(start: datetime, at: time = DEFAULT_NOTICE_TIME) -> datetime:
    """The day before the appointment's Paris date, at `at` Paris time, in UTC."""
    day = paris_date(start) - timedelta(days=1)
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(timezone.utc)
