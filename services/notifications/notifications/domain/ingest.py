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
from notifications.domain.catalog import PROFESSIONAL_NOTICES, ProfessionalNotice, notice_for
from notifications.domain.content import bell_text
from notifications.domain.models import IncomingEvent, notification_id, professional_recipient_id
from notifications.domain.ports import Dependencies

MAX_PAYLOAD_BYTES = 16 * 1024
MAX_PROFESSIONAL_ADDRESSES = 10
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


def professional_addresses(notice: ProfessionalNotice, payload: dict) -> list[str]:
    """The distinct addresses a professional notice goes to; a malformed one is refused by name."""
    given = payload.get(notice.address_field) or []
    listed = [given] if isinstance(given, str) else list(given)
    v, addresses, seen = Violations(), [], set()
    if len(listed) > MAX_PROFESSIONAL_ADDRESSES:
        v.add(f"payload_json.{notice.address_field}", f"{MAX_PROFESSIONAL_ADDRESSES} adresses au plus")
    for index, address in enumerate(listed[:MAX_PROFESSIONAL_ADDRESSES]):
        name = f"payload_json.{notice.address_field}" + ("" if isinstance(given, str) else f"[{index}]")
        address = address.strip()
        if not address:
            continue
        if len(address) > 254 or not EMAIL.fullmatch(address):
            v.add(name, "adresse e-mail invalide")
        elif address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    v.raise_if_any()
    return addresses


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
    professional = PROFESSIONAL_NOTICES.get(event.event_type)
    addresses = professional_addresses(professional, payload) if professional else []
    now = deps.now()
    occurred_at = event.occurred_at or now
    critical = notice.critical or event.critical
    hidden = event.hidden_from_legal_representatives
    with deps.unit_of_work() as tx:
        if not tx.people.add_event(event_id=event.event_id, event_type=event.event_type,
                                   patient_id=event.patient_id, producer=caller.subject, payload=payload,
                                   occurred_at=occurred_at, critical=critical,
                                   hidden_from_legal_representatives=hidden):
            return True
        if event.recipient is not None:
            tx.people.apply_snapshot(event.recipient, event.recipient.as_of or occurred_at)
        if notice.facts_only:
            return False
        profile, profile_name = tx.people.profile(event.patient_id)
        holder = tx.people.person(event.patient_id) if hidden else None
        told = routing.recipients_of(profile, hidden_from_legal_representatives=hidden, holder=holder,
                                     holder_only=notice.holder_only)
        if notice.bell and (told or not hidden):
            title, body = bell_text(notice, payload, profile_name)
            tx.people.add_bell_item(notification_id=notification_id(event.event_id, event.patient_id),
                                    profile_id=event.patient_id, event_id=event.event_id,
                                    event_type=event.event_type, title=title, body=body, critical=critical,
                                    hidden_from_legal_representatives=hidden)
        for account_id, _relation in told:
            person = holder if holder is not None and account_id == holder.account_id else tx.people.person(account_id)
            for planned in routing.plan(notice, person, now, critical=event.critical,
                                        hidden_from_legal_representatives=hidden):
                tx.people.add_delivery(
                    notification_id=notification_id(event.event_id, account_id), event_id=event.event_id,
                    recipient_id=account_id, profile_id=event.patient_id, channel=planned.channel,
                    target=planned.target, event_type=event.event_type, critical=critical, state=planned.state,
                    last_error=planned.reason or None, available_at=planned.not_before or now)
        if professional is not None:
            # Mail to professionals' addresses, not to accounts: held by the default quiet hours
            # unless critical (an emergency access), idempotent on the event like every notice.
            wait = routing.not_before(now, deps.default_preferences, professional.critical or event.critical)
            for address in addresses:
                recipient_id = professional_recipient_id(address)
                tx.people.add_delivery(
                    notification_id=notification_id(event.event_id, recipient_id), event_id=event.event_id,
                    recipient_id=recipient_id, profile_id=event.patient_id, channel=routing.EMAIL, target="",
                    address=address, event_type=event.event_type, critical=professional.critical or event.critical,
                    state=routing.PENDING, available_at=wait or now)
    return False
