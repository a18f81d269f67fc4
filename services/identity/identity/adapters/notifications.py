"""The notifications service: login codes now; account events from the outbox."""
from __future__ import annotations

import json
import logging
from datetime import datetime

import grpc
from mes.notifications.v1 import notifications_pb2, notifications_pb2_grpc

from meskit.errors import Unavailable, code_name, received
from meskit.outbox import Event
from meskit.timestamps import timestamp

log = logging.getLogger(__name__)


class NotificationsCodeSender:
    """Delivers one-time codes through the notifications service (which sends the email)."""

    def __init__(self, channel):
        self._stub = notifications_pb2_grpc.NotificationsServiceStub(channel)

    def send_code(self, *, email: str, code: str, expires_at: datetime, given_name: str, purpose: str = "login") -> None:
        try:
            self._stub.SendOneTimeCode(notifications_pb2.SendOneTimeCodeRequest(
                email=email, code=code, expires_at=timestamp(expires_at), purpose=purpose, given_name=given_name))
        except grpc.RpcError as exc:
            log.warning("one-time code not delivered", extra={"purpose": purpose, "error": code_name(exc)})
            raise received(exc, Unavailable("Le code n'a pas pu être envoyé, réessayez dans quelques instants",
                                            reason="CODE_NOT_SENT")) from exc


class NotificationsPublisher:
    """Relays account events (identity.domain.account_events) with the person's contact snapshot."""

    TIMEOUT_SECONDS = 10.0

    def __init__(self, channel):
        self._stub = notifications_pb2_grpc.NotificationsServiceStub(channel)

    def __call__(self, event: Event) -> None:
        payload = dict(event.payload)
        snapshot = dict(payload.pop("recipient"))
        as_of = datetime.fromisoformat(snapshot.pop("as_of"))
        occurred_at = datetime.fromisoformat(payload.pop("occurred_at"))
        self._stub.PublishEvent(notifications_pb2.PublishEventRequest(
            event_id=str(event.event_id), event_type=event.event_type, patient_id=payload.pop("patient_id"),
            payload_json=json.dumps(payload, ensure_ascii=False), occurred_at=timestamp(occurred_at),
            recipient=notifications_pb2.Recipient(**snapshot, as_of=timestamp(as_of))),
            timeout=self.TIMEOUT_SECONDS)
