"""The dates of delegations that end by themselves: a caregiving's last day in Paris (across the
summer-time change), the 18th birthday of someone born on 29 February, five years back."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from meskit.errors import Violations

from identity.domain.account_events import adult_on
from identity.domain.delegations import end_instant, last_day_of, parse_ends_on, years_before

NOW = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)      # already 11 March in Paris


@pytest.mark.parametrize("last_day, ends_at", [
    (date(2026, 3, 28), datetime(2026, 3, 28, 23, 0, tzinfo=timezone.utc)),    # winter time
    (date(2026, 3, 29), datetime(2026, 3, 29, 22, 0, tzinfo=timezone.utc)),    # summer time from that night
])
def test_a_last_day_in_force_ends_at_the_next_midnight_in_paris(last_day, ends_at):
    assert end_instant(last_day) == ends_at
    assert last_day_of(ends_at) == last_day


@pytest.mark.parametrize("value, problem", [
    ("2026-03-11", "après aujourd'hui"), ("2026-03-10", "après aujourd'hui"), ("2036-03-12", "10 ans"),
    ("11/03/2027", "AAAA-MM-JJ")])
def test_an_end_date_is_after_today_in_paris_and_at_most_ten_years_ahead(value, problem):
    v = Violations()
    parse_ends_on(v, value, NOW)
    assert [(f.field, problem in f.description) for f in v.items] == [("ends_on", True)]


def test_the_last_accepted_end_dates():
    for value in ("2026-03-12", "2036-03-11"):
        v = Violations()
        assert parse_ends_on(v, value, NOW) == end_instant(date.fromisoformat(value))
        assert not v.items


def test_born_on_29_february():
    assert adult_on(date(2008, 2, 29)) == date(2026, 3, 1)
    # who is 18 on a day: born on or before the same day 18 years back (28 February in a common year)
    assert years_before(date(2026, 3, 1), 18) == date(2008, 3, 1)
    assert years_before(date(2026, 2, 28), 18) == date(2008, 2, 28)
    assert years_before(date(2028, 2, 29), 18) == date(2010, 2, 28)
