"""The calendar feed (iCalendar, RFC 5545, DOMAIN §10.7): the profile's appointments and upcoming
prevention items at a secret subscription URL the person can regenerate (the previous URL then
answers NOT_FOUND). Only the token's SHA-256 is stored. Each appointment keeps its UID across changes
and its SEQUENCE grows with each change; the URL stops answering once the space is closed or the
delegate who made it no longer acts for the profile; a cancelled one stays, STATUS:CANCELLED. Titles are neutral
("Rendez-vous de santé") unless the person asked for details: a calendar synchronised to a phone or
a shared account shows no health information by default."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import icalendar

from meskit.auth import Caller
from meskit.errors import NotFound

from agenda.domain import auditing as audit
from agenda.domain import prevention
from agenda.domain.access import AccessContext, who
from agenda.domain.calendar_models import Appointment
from agenda.domain.prevention import Mark
from agenda.domain.schedule import Schedule

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

FEED_PATH = "/v1/calendar-feeds/"
FILENAME, CONTENT_TYPE = "agenda.ics", "text/calendar; charset=utf-8"
NEUTRAL_TITLE, NEUTRAL_PREVENTION = "Rendez-vous de santé", "Prévention santé"
PRODID = "-//Mon espace santé//Agenda//FR"
UID_DOMAIN = "agenda.monespacesante.fr"
HISTORY = timedelta(days=366)          # appointments older than this leave the feed
MAX_EVENTS = 2000
ICS_STATUS = {"CANCELLED": "CANCELLED", "ENTERED_IN_ERROR": "CANCELLED", "PROPOSED": "TENTATIVE",
              "PENDING": "TENTATIVE", "WAITLIST": "TENTATIVE"}


@dataclass(frozen=True, kw_only=True)
class Subscription:
    patient_id: str
    feed_token: str
    feed_url: str
    show_details: bool
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class PreventionFeedItem:
    """One upcoming prevention item as the feed shows it: an all-day event on its due date."""
    item_id: str
    title: str
    due_date: date


def upcoming_prevention(sched: Schedule, context: AccessContext, marks: Mapping[str, Mark],
                        today: date) -> list[PreventionFeedItem]:
    """The profile's items to plan (the prevention engine's TO_PLAN: not marked, window not ended and
    starting within a year), on their due date; not those for people at risk only (a condition)."""
    if context.birth_date is None:
        return []
    return [PreventionFeedItem(item_id=i.occurrence.item_id, title=i.occurrence.rule.label, due_date=i.occurrence.due)
            for i in prevention.calendar(sched, context.birth_date, context.sex, today, marks)
            if i.status == prevention.TO_PLAN and not i.occurrence.rule.condition]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def regenerate(deps: Dependencies, caller: Caller, patient_id: str, *, show_details: bool) -> Subscription:
    w = who(deps, caller, patient_id)
    token, now = secrets.token_urlsafe(32), deps.now()
    with deps.unit_of_work() as repo:
        repo.replace_feed(w.patient_id, token_hash=token_hash(token), show_details=show_details,
                          created_by=caller.subject, created_at=now)
        audit.change(w, repo, action=audit.UPDATE, resource_type=audit.FEED, resource_id=w.patient_id, now=now)
    return Subscription(patient_id=w.patient_id, feed_token=token, feed_url=f"{deps.public_url}{FEED_PATH}{token}",
                        show_details=show_details, created_at=now)


def feed(deps: Dependencies, token: str) -> bytes:
    """The iCalendar file of the subscription holding `token`; NOT_FOUND for any other token."""
    now = deps.now()
    with deps.unit_of_work() as repo:
        found = repo.feed_by_hash(token_hash(token)) if token else None
    if found is None:
        raise _missing()
    patient_id, show_details, created_by = found
    context = _still_allowed(deps, patient_id, created_by)
    with deps.unit_of_work() as repo:
        appointments = repo.appointments_since(patient_id, now - HISTORY, MAX_EVENTS)
        marks = {k: Mark(m.done, m.execution_date) for k, m in repo.marks_of(patient_id).items()}
    upcoming = upcoming_prevention(deps.schedule, context, marks, deps.today())
    return render(appointments, upcoming, show_details=show_details, now=now)


def _missing() -> NotFound:
    return NotFound("Flux d'agenda introuvable", reason="FEED_NOT_FOUND")


def _still_allowed(deps: Dependencies, patient_id: str, created_by: str) -> AccessContext:
    """Checked at every fetch, as any request: a closed space, or a feed made by a delegate whose
    delegation has ended, answers like an unknown token."""
    try:
        context = deps.contexts.get(patient_id)
    except NotFound:
        raise _missing() from None
    makers = {patient_id} | context.legal_representative_ids | context.caregiver_ids
    if context.space_closed or context.space_missing or created_by not in makers:
        raise _missing()
    return context


def _event(a: Appointment, show_details: bool) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{a.appointment_id}@{UID_DOMAIN}")
    event.add("sequence", a.sequence)
    event.add("dtstamp", a.updated_at)
    event.add("created", a.created_at)
    event.add("last-modified", a.updated_at)
    event.add("dtstart", a.start_time)
    if a.end_time is not None:
        event.add("dtend", a.end_time)
    event.add("status", ICS_STATUS.get(a.status, "CONFIRMED"))
    if show_details:
        event.add("summary", a.title or a.name or NEUTRAL_TITLE)
        details = [part for part in (a.name, a.specialty) if part]
        if details:
            event.add("description", " — ".join(details))
        if a.address:
            event.add("location", a.address)
    else:
        event.add("summary", NEUTRAL_TITLE)
    return event


def _prevention_event(item: PreventionFeedItem, show_details: bool, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"prevention-{item.item_id}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("dtstart", item.due_date)
    event.add("summary", item.title if show_details else NEUTRAL_PREVENTION)
    event.add("transp", "TRANSPARENT")
    return event


def render(appointments: list[Appointment], prevention: list[PreventionFeedItem], *, show_details: bool,
           now: datetime) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Mon espace santé")
    for a in appointments:
        calendar.add_component(_event(a, show_details))
    for item in prevention:
        calendar.add_component(_prevention_event(item, show_details, now))
    return calendar.to_ical()
