from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mes.notifications.v1 import notifications_pb2 as pb
from mes.notifications.v1 import notifications_pb2_grpc

from meskit.auth import current_caller

from notifications.domain.codes import send_one_time_code


class NotificationsServicer(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self, mailer, sender: str):
        self._mailer, self._sender = mailer, sender

    def SendOneTimeCode(self, request, context):
        expires_at = (request.expires_at.ToDatetime(tzinfo=timezone.utc) if request.HasField("expires_at")
                      else datetime.now(timezone.utc) + timedelta(minutes=5))
        message_id = send_one_time_code(self._mailer, current_caller(), sender=self._sender,
                                        email=request.email, code=request.code, expires_at=expires_at,
                                        given_name=request.given_name)
        return pb.SendOneTimeCodeResponse(message_id=message_id)
