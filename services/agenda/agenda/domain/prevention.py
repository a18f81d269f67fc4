"""The prevention engine: a person's occurrences of the schedule over the whole life, and their status.

Pure: no I/O, no clock (the date is an argument). For a window [start, end) of an occurrence, the
four dates follow HL7's immunization forecast:
  earliest = start     (it may be done from then)
  due      = start     (the recommended date: a dose date, a birthday)
  overdue  = end       (from then it is late); None when the window never ends
  latest   = the catch-up limit (birth + catch_up_until) when the rule has one, else end
A status (DOMAIN §6.1): the person's mark (DONE with its date, NOT_DONE) wins; otherwise TO_PLAN
when the window starts before as_of + 12 months and has not ended (end > as_of, or no end), which
covers a window already open; NOT_SPECIFIED otherwise (ended, or more than 12 months away).
An occurrence exists only when its rule was valid on the day its window starts. Its id is
"<rule id>.<n>", n counting the rule's windows from 1 whatever their validity, so that it does not
move when a rule is replaced.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from agenda.domain import durations, schedule
from agenda.domain.durations import Age
from agenda.domain.schedule import Rule, Schedule

TO_PLAN, NOT_SPECIFIED, DONE, NOT_DONE = "TO_PLAN", "NOT_SPECIFIED", "DONE", "NOT_DONE"
PLANNING_AHEAD = Age(12, 0)


@dataclass(frozen=True)
class Occurrence:
    rule: Rule
    n: int
    start: date                 # inclusive
    end: date | None            # exclusive; None = never ends
    latest: date | None

    @property
    def item_id(self) -> str:
        return f"{self.rule.id}.{self.n}"

    @property
    def earliest(self) -> date:
        return self.start

    @property
    def due(self) -> date:
        return self.start

    @property
    def overdue(self) -> date | None:
        return self.end

    def ended(self, as_of: date) -> bool:
        return self.end is not None and self.end <= as_of


@dataclass(frozen=True)
class Mark:
    done: bool
    execution_date: date | None = None


Window = tuple[date, "date | None"]


def _periodic(rule: Rule, birth: date, every: Age, limit: Age) -> list[Window]:
    windows: list[Window] = []
    k = 0
    while (start := durations.add(birth, rule.age_from + every.times(k))) < durations.add(birth, limit):
        windows.append((start, min(durations.add(birth, rule.age_from + every.times(k + 1)),
                                   durations.add(birth, limit))))
        k += 1
    return windows


def _seasons(rule: Rule, birth: date, season: tuple[tuple[int, int], tuple[int, int]], limit: Age) -> list[Window]:
    (start_month, start_day), (end_month, end_day) = season
    first, last = durations.add(birth, rule.age_from), durations.add(birth, limit)
    year = first.year if date(first.year, start_month, start_day) >= first else first.year + 1
    next_year = 1 if (end_month, end_day) <= (start_month, start_day) else 0
    windows: list[Window] = []
    while (opens := date(year, start_month, start_day)) < last:
        windows.append((opens, date(year + next_year, end_month, end_day)))
        year += 1
    return windows


def _windows(rule: Rule, birth: date, horizon: Age) -> list[Window]:
    if rule.kind == schedule.ONCE:
        return [(durations.add(birth, rule.age_from), durations.add(birth, rule.age_to) if rule.age_to else None)]
    if rule.kind in (schedule.AGES_YEARS, schedule.DOSES_AT) and rule.window is not None:
        window = rule.window
        return [(durations.add(birth, offset), durations.add(birth, offset + window)) for offset in rule.offsets]
    if rule.kind == schedule.EVERY and rule.every is not None:
        return _periodic(rule, birth, rule.every, rule.age_to or horizon)
    if rule.kind == schedule.SEASON and rule.season is not None:
        return _seasons(rule, birth, rule.season, rule.age_to or horizon)
    raise ValueError(f"{rule.id}: incomplete rule")


def _valid(rule: Rule, start: date) -> bool:
    return (rule.valid_from is None or rule.valid_from <= start) and (rule.valid_until is None or start <= rule.valid_until)


def occurrences(sched: Schedule, birth: date, sex: str) -> list[Occurrence]:
    """Every occurrence of the person's life, by window start then id. `sex`: "F", "M" or "" (unknown:
    sex-specific items are left out)."""
    found = []
    for rule in sched.rules:
        if rule.sex != schedule.ANY and rule.sex != sex:
            continue
        if rule.born_from is not None and birth < rule.born_from:
            continue
        latest_limit = durations.add(birth, rule.catch_up_until) if rule.catch_up_until else None
        for n, (start, end) in enumerate(_windows(rule, birth, sched.horizon), start=1):
            if _valid(rule, start):
                latest = max(latest_limit, end) if latest_limit and end else (latest_limit or end)
                found.append(Occurrence(rule, n, start, end, latest))
    found.sort(key=lambda o: (o.start, o.rule.id, o.n))
    return found


def status(occurrence: Occurrence, as_of: date, mark: Mark | None) -> str:
    if mark is not None:
        return DONE if mark.done else NOT_DONE
    if occurrence.start < durations.add(as_of, PLANNING_AHEAD) and not occurrence.ended(as_of):
        return TO_PLAN
    return NOT_SPECIFIED


@dataclass(frozen=True)
class Item:
    occurrence: Occurrence
    status: str
    mark: Mark | None


def calendar(sched: Schedule, birth: date, sex: str, as_of: date, marks: Mapping[str, Mark]) -> list[Item]:
    """The person's items with their status as of `as_of`; marks are keyed by item id."""
    return [Item(o, status(o, as_of, marks.get(o.item_id)), marks.get(o.item_id))
            for o in occurrences(sched, birth, sex)]


def find(sched: Schedule, birth: date, sex: str, item_id: str) -> Occurrence | None:
    rule_id, _, n = item_id.partition(".")
    if sched.rule(rule_id) is None or not n.isdigit():
        return None
    return next((o for o in occurrences(sched, birth, sex) if o.item_id == item_id), None)
