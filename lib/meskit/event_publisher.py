"""The one relay target for events meant for people: outbox rows (meskit.events) to
notifications.PublishEvent. Raises on failure, so that the outbox relay retries later."""
from __future__ import annotations

import json

import grpc
from mes.notifications.v1 import notifications_pb2 as pb
from mes.notifications.v1 import notifications_pb2_grpc

from meskit import events
from meskit.outbox import Event
from meskit.timestamps import timestamp

TIMEOUT_SECONDS = 5.0


def recipient_pb(r: events.Recipient) -> pb.Recipient:
    return pb.Recipient(
        account_id=r.account_id, given_name=r.given_name, family_name=r.family_name, email=r.email,
        postal_address=r.postal_address, activated=r.activated, minor=r.minor,
        legal_representative_ids=list(r.legal_representative_ids), caregiver_ids=list(r.caregiver_ids),
        closed=r.closed, as_of=timestamp(r.as_of), adult_on=r.adult_on.isoformat() if r.adult_on else "")


def request_pb(e: events.Envelope) -> pb.PublishEventRequest:
    return pb.PublishEventRequest(
        event_id=e.event_id, event_type=e.event_type, patient_id=e.patient_id,
        payload_json=json.dumps(events.to_json(e.payload), ensure_ascii=False),
        occurred_at=timestamp(e.occurred_at), critical=e.critical,
        recipient=recipient_pb(e.recipient) if e.recipient is not None else None,
        hidden_from_legal_representatives=e.hidden_from_legal_representatives)


class EventPublisher:
    def __init__(self, channel: grpc.Channel, timeout: float = TIMEOUT_SECONDS):
        self._stub = notifications_pb2_grpc.NotificationsServiceStub(channel)
        self._timeout = timeout

    def __call__(self, event: Event) -> None:
        envelope = events.from_outbox(str(event.event_id), event.event_type, event.payload, event.created_at)
        self._stub.PublishEvent(request_pb(envelope), timeout=self._timeout)
