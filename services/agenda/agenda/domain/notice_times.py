"""When notices go out, computed in Europe/Paris (DOMAIN §10.7): an appointment's reminder the day
before at 09:00 Paris time (or the time the person chose), whatever the offset that day (CET or CEST)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_NOTICE_TIME = time(9, 0)
# A reminder of the agenda missed by more than this (the service was down) is no longer useful.
REMINDER_GRACE = timedelta(hours=12)


def paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def notice_time(text: str) -> time | None:
    """The person's "HH:MM" (00:00 to 23:59); "" = the default; None when malformed."""
    if not text:
        return DEFAULT_NOTICE_TIME
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        return None
    return time(int(text[:2]), int(text[3:]))


def appointment_notice_at(start: datetime, at: time = DEFAULT_NOTICE_TIME) -> datetime:
    """The day before the appointment's Paris date, at `at` Paris time, in UTC (a time that does not
    exist that day, in the hour skipped in March, reads as the zone's offset before the change)."""
    day = paris_date(start) - timedelta(days=1)
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(timezone.utc)
