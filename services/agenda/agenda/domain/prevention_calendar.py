"""Use-cases of the prevention calendar: list (home or lifetime, filters, pages), one item, the mark.

The occurrences come from the pure engine (agenda.domain.prevention) for the person's birth date and
sex; only the person's marks are stored. A change of mark by anyone is recorded in the audit outbox
in the same transaction (agenda.domain.auditing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from meskit.paging import next_token, page
from meskit.auth import Caller
from meskit.errors import InvalidArgument, NotFound

from agenda.domain import access, auditing, prevention
from agenda.domain.prevention import Item, Mark

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies


@dataclass(frozen=True)
class StoredMark:
    done: bool
    execution_date: date | None
    marked_at: datetime
    marked_by: str


@dataclass(frozen=True)
class Shown:
    item: Item
    stored: StoredMark | None
    schedule_version: str


@dataclass(frozen=True, kw_only=True)
class Query:
    types: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    upcoming_only: bool = False
    as_of: str = ""
    page_size: int = 0
    page_token: str = ""


def _who(deps: Dependencies, caller: Caller, patient_id: str) -> access.Who:
    w = access.who(deps, caller, patient_id)
    access.require_birth_date(w)
    return w


def _as_of(deps: Dependencies, text: str, field: str = "as_of_date") -> date:
    if not text:
        return deps.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{field} : date AAAA-MM-JJ attendue", reason="BAD_DATE") from None


def _items(deps: Dependencies, w: access.Who, as_of: date) -> tuple[list[Shown], dict[str, StoredMark]]:
    with deps.unit_of_work() as repo:
        repo.know_person(w.patient_id, deps.today())      # the reminders' pass checks her from now on
        stored = repo.marks_of(w.patient_id)
    marks = {k: Mark(m.done, m.execution_date) for k, m in stored.items()}
    items = prevention.calendar(deps.schedule, w.birth_date, w.context.sex, as_of, marks)
    return [Shown(i, stored.get(i.occurrence.item_id), deps.schedule.version) for i in items], stored


def list_items(deps: Dependencies, caller: Caller, patient_id: str, q: Query) -> tuple[list[Shown], str]:
    w = _who(deps, caller, patient_id)
    as_of = _as_of(deps, q.as_of)
    offset, limit = page(q.page_size, q.page_token, default=50, maximum=200)
    shown, _ = _items(deps, w, as_of)
    kept = [s for s in shown
            if (not q.types or s.item.occurrence.rule.type in q.types)
            and (not q.statuses or s.item.status in q.statuses)
            and (not q.upcoming_only or not s.item.occurrence.ended(as_of))]
    return kept[offset:offset + limit], next_token(offset, limit, len(kept[offset:offset + limit + 1]))


def get_item(deps: Dependencies, caller: Caller, patient_id: str, item_id: str, as_of: str = "") -> Shown:
    w = _who(deps, caller, patient_id)
    found = next((s for s in _items(deps, w, _as_of(deps, as_of))[0] if s.item.occurrence.item_id == item_id), None)
    if found is None:
        raise NotFound("Élément du calendrier de prévention introuvable", reason="PREVENTION_ITEM_NOT_FOUND")
    return found


def mark(deps: Dependencies, caller: Caller, patient_id: str, item_id: str, *, done: bool,
         execution_date: str, clear: bool) -> Shown:
    w = _who(deps, caller, patient_id)
    occurrence = prevention.find(deps.schedule, w.birth_date, w.context.sex, item_id)
    if occurrence is None:
        raise NotFound("Élément du calendrier de prévention introuvable", reason="PREVENTION_ITEM_NOT_FOUND")
    today, when = deps.today(), None
    if execution_date:
        if clear or not done:
            raise InvalidArgument("execution_date : seulement pour un élément marqué fait", reason="EXECUTION_DATE")
        when = _as_of(deps, execution_date, "execution_date")
        if when < w.birth_date or when > today:
            raise InvalidArgument("execution_date : entre la date de naissance et aujourd'hui", reason="EXECUTION_DATE")
    now = deps.now()
    with deps.unit_of_work() as repo:
        repo.know_person(w.patient_id, today)
        before = after = repo.marks_of(w.patient_id, for_update=True).get(item_id)
        if clear:
            changed, after = before is not None, None
            if changed:
                repo.delete_mark(w.patient_id, item_id)
        else:
            changed = before is None or (before.done, before.execution_date) != (done, when)
            if changed:
                after = StoredMark(done, when, now, caller.subject)
                repo.save_mark(w.patient_id, item_id, after)
        if changed:
            auditing.prevention_mark(
                w, repo, action=auditing.DELETE if clear else (auditing.UPDATE if before else auditing.CREATE),
                item_id=item_id, item_label=occurrence.rule.label, now=now)
    mark_now = Mark(after.done, after.execution_date) if after else None
    return Shown(Item(occurrence, prevention.status(occurrence, today, mark_now), mark_now), after,
                 deps.schedule.version)
