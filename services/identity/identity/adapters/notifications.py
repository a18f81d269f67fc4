"""The notifications service: login codes now (account events go by meskit.event_publisher)."""
from __future__ import annotations

import logging
from datetime import datetime

import grpc
from mes.notifications.v1 import notifications_pb2, notifications_pb2_grpc

from meskit.errors import Unavailable, code_name, received
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
