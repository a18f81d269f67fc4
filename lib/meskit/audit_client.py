"""The audit service's AppendRecord, for any service that records reads and changes (meskit.audit)."""
from __future__ import annotations

import logging

import grpc
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from meskit.audit import AuditRecord, ResourceVisibility
from meskit.errors import Unavailable, code_name, received
from meskit.timestamps import timestamp

log = logging.getLogger("meskit.audit")
DEADLINE_SECONDS = 2.0
MODES = {"normal": pb.ACCESS_MODE_NORMAL, "bris_de_glace": pb.ACCESS_MODE_BRIS_DE_GLACE,
         "centre_15": pb.ACCESS_MODE_CENTRE_15}
AUDIT_UNAVAILABLE = "Journal d'audit indisponible : la consultation est refusée, réessayez plus tard"


def record_pb(r: AuditRecord) -> pb.Record:
    return pb.Record(
        record_id=r.record_id, occurred_at=timestamp(r.occurred_at),
        actor=pb.Actor(type=pb.ActorType.Value(f"ACTOR_TYPE_{r.actor_type}"), id=r.actor_id,
                       profession_code=r.profession_code, rpps=r.rpps, on_behalf_of=r.on_behalf_of,
                       display_name=r.display_name),
        action=pb.Action.Value(f"ACTION_{r.action}"), group=pb.ActivityGroup.Value(f"ACTIVITY_GROUP_{r.group}"),
        patient_id=r.patient_id, resource_type=r.resource_type, resource_id=r.resource_id,
        resource_label=r.resource_label, decision=pb.DECISION_ALLOWED if r.allowed else pb.DECISION_DENIED,
        rule=r.rule, access_mode=MODES.get(r.access_mode, pb.ACCESS_MODE_NORMAL), justification=r.justification,
        request_id=r.request_id, matrix_version=r.matrix_version,
        visibility=visibility_pb(r.visibility) if r.visibility else None)


def visibility_pb(v: ResourceVisibility) -> pb.ResourceVisibility:
    return pb.ResourceVisibility(
        patient_id=v.patient_id, resource_type=v.resource_type, resource_id=v.resource_id,
        hidden_from_patient_until=timestamp(v.hidden_from_patient_until) if v.hidden_from_patient_until else None,
        hidden_from_legal_representatives=v.hidden_from_legal_representatives, as_of=timestamp(v.as_of))


class AuditClient:
    def __init__(self, channel: grpc.Channel, deadline: float = DEADLINE_SECONDS):
        self._stub = audit_pb2_grpc.AuditServiceStub(channel)
        self._deadline = deadline

    def append(self, record: AuditRecord) -> None:
        """Before a read's data leaves: if audit does not confirm in time, the read is refused."""
        try:
            self.relay(record)
        except grpc.RpcError as exc:
            log.error("audit append failed: read refused", extra={"code": code_name(exc),
                                                                  "record_id": record.record_id})
            raise received(exc, Unavailable(AUDIT_UNAVAILABLE, reason="AUDIT_UNAVAILABLE")) from None

    def relay(self, record: AuditRecord) -> None:
        """From the outbox: raises on failure so that the relay retries later."""
        self._stub.AppendRecord(pb.AppendRecordRequest(record=record_pb(record)), timeout=self._deadline)

    def set_visibility(self, visibility: ResourceVisibility) -> None:
        """From the outbox: raises on failure so that the relay retries later."""
        self._stub.SetResourceVisibility(pb.SetResourceVisibilityRequest(visibility=visibility_pb(visibility)),
                                         timeout=self._deadline)
