"""The audit service: one record of a patient's activity history (GetRecord, with identity's service token)."""
from __future__ import annotations

from datetime import timezone

import grpc
from mes.audit.v1 import audit_pb2, audit_pb2_grpc

from meskit.errors import Unavailable, received

from identity.domain.models import AuditedAccess

TIMEOUT_SECONDS = 3.0


class AuditRecordsClient:
    def __init__(self, channel: grpc.Channel):
        self._stub = audit_pb2_grpc.AuditServiceStub(channel)

    def get(self, patient_id: str, record_id: str) -> AuditedAccess:
        try:
            record = self._stub.GetRecord(audit_pb2.GetRecordRequest(patient_id=patient_id, record_id=record_id),
                                          timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise received(exc, Unavailable("L'historique d'activité ne répond pas, réessayez dans quelques instants",
                                            reason="AUDIT_UNAVAILABLE"),
                           NOT_FOUND="Enregistrement introuvable dans votre historique d'activité") from exc
        return AuditedAccess(
            record_id=record.record_id, patient_id=record.patient_id,
            actor_type=audit_pb2.ActorType.Name(record.actor.type).removeprefix("ACTOR_TYPE_"),
            actor_id=record.actor.id, rpps=record.actor.rpps, profession_code=record.actor.profession_code,
            occurred_at=record.occurred_at.ToDatetime(tzinfo=timezone.utc))
