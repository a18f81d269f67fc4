"""notifications.PublishEvent for the outbox events meant for people (AJOUT_DOCUMENT, ACCES_DMP_PS,
ACCES_BRIS_GLACE)."""
from __future__ import annotations

import json
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from mes.notifications.v1 import notifications_pb2 as pb
from mes.notifications.v1 import notifications_pb2_grpc

from meskit.outbox import Event

from documents.domain.notices import ACCES_BRIS_GLACE

TIMEOUT_SECONDS = 5.0


class NotificationsPublisher:
    def __init__(self, channel: grpc.Channel):
        self._stub = notifications_pb2_grpc.NotificationsServiceStub(channel)

    def publish(self, event: Event) -> None:
        payload = dict(event.payload)
        occurred = Timestamp()
        occurred.FromDatetime(datetime.fromisoformat(payload.pop("occurred_at")) if "occurred_at" in payload
                              else event.created_at)
        self._stub.PublishEvent(pb.PublishEventRequest(
            event_id=str(event.event_id), event_type=event.event_type, patient_id=payload["patient_id"],
            payload_json=json.dumps(payload, ensure_ascii=False), occurred_at=occurred,
            critical=event.event_type == ACCES_BRIS_GLACE), timeout=TIMEOUT_SECONDS)
