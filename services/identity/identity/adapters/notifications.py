from __future__ import annotations

import logging

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from mes.notifications.v1 import notifications_pb2, notifications_pb2_grpc

from meskit.errors import Unavailable

log = logging.getLogger(__name__)


class NotificationsCodeSender:
    """Delivers login codes through the notifications service (which sends the email)."""

    def __init__(self, channel):
        self._stub = notifications_pb2_grpc.NotificationsServiceStub(channel)

    def send_login_code(self, *, email: str, code: str, expires_at: datetime, given_name: str) -> None:
        expires = Timestamp()
        expires.FromDatetime(expires_at)
        try:
            self._stub.SendOneTimeCode(notifications_pb2.SendOneTimeCodeRequest(
                email=email, code=code, expires_at=expires, purpose="login", given_name=given_name))
        except Exception as exc:
            log.warning("login code not delivered", extra={"error": getattr(exc, 'details', lambda: type(exc).__name__)()})
            raise Unavailable("Le code n'a pas pu être envoyé, réessayez dans quelques instants",
                              reason="CODE_NOT_SENT") from exc
