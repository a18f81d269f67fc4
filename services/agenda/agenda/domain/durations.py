"""ISO-8601 age durations (PnYnMnWnD) added to a birth date, clamping to the end of a shorter month."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


@dataclass(frozen=True, order=True)
class Age:
    months: int = 0
    days: int = 0

    def __add__(self, other: Age) -> Age:
        return Age(self.months + other.months, self.days + other.days)

    def times(self, k: int) -> Age:
        return Age(self.months * k, self.days * k)


def parse(text: str) -> Age:
    """ValueError for anything but PnYnMnWnD with at least one part."""
    match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None or text == "P":
        raise ValueError(f"durée ISO 8601 invalide : {text!r} (attendu PnYnMnWnD, ex. P2M)")
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    return Age(years * 12 + months, weeks * 7 + days)


def add(start: date, age: Age) -> date:
    """start + months (clamped to the month's last day: 29 Feb + P1Y = 28 Feb), then + days."""
    total = start.year * 12 + start.month - 1 + age.months
    year, month = divmod(total, 12)
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=age.days)
