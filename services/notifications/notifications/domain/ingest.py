"""PublishEvent: an event from a producer's outbox becomes bell items and deliveries, once.

Everything happens in one transaction keyed by the event id: a redelivered event finds its id
taken and changes nothing; a crash before the commit leaves nothing, and the producer's relay
sends it again. Each delivery is also unique per (notification, channel, device).
"""
from __future__ import annotations

import json
import re

from meskit import events
from meskit.auth import SERVICE, Caller
from meskit.errors import FieldViolation, InvalidArgument, PermissionDenied, Violations

from notifications.domain import routing
from notifications.domain.catalog import notice_for
from notifications.domain.content import bell_text
from notifications.domain.models import IncomingEvent, notification_id
from notifications.domain.ports import Dependencies

MAX_PAYLOAD_BYTES = 16 * 1024
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
IDENTITY = "identity"


def _check(event: IncomingEvent) -> dict:
    v = Violations()
    v.require(event.event_id, "event_id")
    v.require(event.event_type, "event_type")
    v.require(event.patient_id, "patient_id")
    for name in ("event_id", "event_type", "patient_id"):
        v.max_length(getattr(event, name), name, 64)
    payload: dict = {}
    if len(event.payload_json.encode()) > MAX_PAYLOAD_BYTES:
        v.add("payload_json", f"{MAX_PAYLOAD_BYTES} octets au plus")
    elif event.payload_json:
        try:
            payload = json.loads(event.payload_json)
        except ValueError:
            v.add("payload_json", "JSON invalide")
        if not isinstance(payload, dict):
            v.add("payload_json", "un objet JSON est attendu")
            payload = {}
    if event.recipient is not None:
        if event.recipient.account_id != event.patient_id:
            v.add("recipient.account_id", "doit être le patient_id de l'évènement")
        for name, limit in (("given_name", 100), ("family_name", 100), ("email", 254), ("postal_address", 500)):
            v.max_length(getattr(event.recipient, name), f"recipient.{name}", limit)
        if event.recipient.email and not EMAIL.fullmatch(event.recipient.email):
            v.add("recipient.email", "adresse e-mail invalide")
    v.raise_if_any()
    return payload


def _typed(event: IncomingEvent, payload: dict) -> dict:
    """The payload as meskit.events defines it for this type (its JSON form, defaults filled in)."""
    typed = events.to_json(events.payload_from(event.event_type, payload))
    if event.event_type in events.WITH_RECIPIENT and event.recipient is None:
        raise InvalidArgument(f"Évènement {event.event_type} invalide",
                              violations=[FieldViolation("recipient", "champ obligatoire")])
    return typed


def publish_event(deps: Dependencies, caller: Caller, event: IncomingEvent) -> bool:
    """Record and route one event; True when it was already known (a redelivery)."""
    caller.require(SERVICE)
    notice = notice_for(event.event_type)
    if notice is not None and notice.producers and caller.subject not in notice.producers:
        raise PermissionDenied("Ce service ne peut pas publier ce type d'évènement")
    if event.recipient is not None and caller.subject != IDENTITY:
        raise PermissionDenied("Seul le service d'identité transmet les coordonnées des personnes")
    payload = _check(event)
    if notice is None:
        raise events.unknown_type(event.event_type)
    payload = _typed(event, payload)
    now = deps.now()
    occurred_at = event.occurred_at or now
    critical = notice.critical or event.critical
    with deps.unit_of_work() as tx:
        if not tx.people.add_event(event_id=event.event_id, event_type=event.event_type,
                                   patient_id=event.patient_id, producer=caller.subject, payload=payload,
                                   occurred_at=occurred_at, critical=critical):
            return True
        if event.recipient is not None:
            tx.people.apply_snapshot(event.recipient, event.recipient.as_of or occurred_at)
        if notice.facts_only:
            return False
        profile, profile_name = tx.people.profile(event.patient_id)
        if notice.bell:
            title, body = bell_text(notice, payload, profile_name)
            tx.people.add_bell_item(notification_id=notification_id(event.event_id, event.patient_id),
                                    profile_id=event.patient_id, event_id=event.event_id,
                                    event_type=event.event_type, title=title, body=body, critical=critical)
        for account_id, _relation in routing.recipients_of(profile):
            person = tx.people.person(account_id)
            for planned in routing.plan(notice, person, now, critical=event.critical):
                tx.people.add_delivery(
                    notification_id=notification_id(event.event_id, account_id), event_id=event.event_id,
                    recipient_id=account_id, profile_id=event.patient_id, channel=planned.channel,
                    target=planned.target, event_type=event.event_type, critical=critical, state=planned.state,
                    last_error=planned.reason or None, available_at=planned.not_before or now)
    return False

