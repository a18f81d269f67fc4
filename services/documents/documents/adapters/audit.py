"""The audit service: synchronous appends of reads (fail closed) and the relay of outbox records."""
from __future__ import annotations

import logging

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from meskit.errors import Unavailable

from documents.domain.auditing import AuditEntry

log = logging.getLogger("documents.audit")
DEADLINE_SECONDS = 2.0
MODES = {"normal": pb.ACCESS_MODE_NORMAL, "bris_de_glace": pb.ACCESS_MODE_BRIS_DE_GLACE,
         "centre_15": pb.ACCESS_MODE_CENTRE_15}


def record_pb(e: AuditEntry) -> pb.Record:
    occurred = Timestamp()
    occurred.FromDatetime(e.occurred_at)
    return pb.Record(
        record_id=e.record_id, occurred_at=occurred,
        actor=pb.Actor(type=pb.ActorType.Value(f"ACTOR_TYPE_{e.actor_type}"), id=e.actor_id,
                       profession_code=e.profession_code, rpps=e.rpps, on_behalf_of=e.on_behalf_of,
                       display_name=e.display_name),
        action=pb.Action.Value(f"ACTION_{e.action}"), group=pb.ACTIVITY_GROUP_MEDICAL_DOCUMENT,
        patient_id=e.patient_id, resource_type=e.resource_type, resource_id=e.resource_id,
        resource_label=e.resource_label, decision=pb.DECISION_ALLOWED if e.allowed else pb.DECISION_DENIED,
        rule=e.rule, access_mode=MODES.get(e.access_mode, pb.ACCESS_MODE_NORMAL), justification=e.justification,
        request_id=e.request_id)


class AuditClient:
    def __init__(self, channel: grpc.Channel, deadline: float = DEADLINE_SECONDS):
        self._stub = audit_pb2_grpc.AuditServiceStub(channel)
        self._deadline = deadline

    def append(self, record: AuditEntry) -> None:
        """Before a read's data leaves: if audit does not confirm in time, the read is refused."""
        try:
            self._stub.AppendRecord(pb.AppendRecordRequest(record=record_pb(record)), timeout=self._deadline)
        except grpc.RpcError as exc:
            log.error("audit append failed: read refused", extra={
                "code": exc.code().name if hasattr(exc, "code") else "", "record_id": record.record_id})
            raise Unavailable("Journal d'audit indisponible : la consultation est refusée, réessayez plus tard",
                              reason="AUDIT_UNAVAILABLE") from None

    def relay(self, record: AuditEntry) -> None:
        """From the outbox: raises on failure so that the relay retries later."""
        self._stub.AppendRecord(pb.AppendRecordRequest(record=record_pb(record)), timeout=self._deadline)
