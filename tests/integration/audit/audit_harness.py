"""Helpers of the audit integration tests: the service on port 0, tokens, records."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import grpc
import pytest
import sqlalchemy as sa
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from meskit import config
from meskit.auth import OPERATOR, PATIENT, SERVICE, Caller, TokenSigner

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


@dataclass
class AuditHarness:
    stub: audit_pb2_grpc.AuditServiceStub
    database_url: str
    engine: sa.Engine                  # the service's own engine (works as audit_writer)
    signer: TokenSigner
    settings: object
    servers: list = field(default_factory=list)

    def as_(self, actor_type: str, subject: str, **claims) -> list[tuple[str, str]]:
        token, _ = self.signer.sign(Caller(actor_type, subject, **claims))
        return [("authorization", f"Bearer {token}")]

    @property
    def service(self):
        return self.as_(SERVICE, "documents")

    @property
    def operator(self):
        return self.as_(OPERATOR, "op-1")

    def patient(self, patient_id: str = "patient-1"):
        return self.as_(PATIENT, patient_id)

    def append(self, *records: pb.Record) -> list[pb.Record]:
        return list(self.stub.AppendRecords(pb.AppendRecordsRequest(records=records), metadata=self.service).records)

    def superuser(self) -> sa.Engine:
        return sa.create_engine(self.database_url)


def record(n: int = 0, *, patient_id: str = "patient-1", actor_type=pb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL,
           actor_id: str = "pro-gp", action=pb.ACTION_READ, minutes: int | None = None, **fields) -> pb.Record:
    actor = fields.pop("actor", None) or pb.Actor(
        type=actor_type, id=actor_id, profession_code="10" if actor_type == pb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL else "",
        rpps="10101234567" if actor_type == pb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL else "", display_name="Dr Paul Bernard")
    values = dict(record_id=fields.pop("record_id", str(uuid.uuid4())), actor=actor, action=action,
                  group=pb.ACTIVITY_GROUP_MEDICAL_DOCUMENT, patient_id=patient_id, resource_type="document",
                  resource_id=f"doc-{n}", resource_label=f"Compte rendu {n}", decision=pb.DECISION_ALLOWED,
                  rule="matrix:class-10", access_mode=pb.ACCESS_MODE_NORMAL, request_id=f"req-{n}")
    values.update(fields)
    message = pb.Record(**values)
    message.occurred_at.FromDatetime(T0 + timedelta(minutes=n if minutes is None else minutes))
    return message


def code_of(call) -> grpc.StatusCode:
    """The status a call fails with (the test fails if it succeeds)."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value.code()


def start_audit(new_database_url: str, signing_key, log_key_file, tmp_path, **overrides):
    from audit.config import AuditSettings
    from audit.wiring import build
    signer = TokenSigner(signing_key.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=600)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(signer.jwks()))
    settings = config.load(AuditSettings, {
        "SERVICE_NAME": "audit", "DATABASE_URL": new_database_url, "GRPC_PORT": "0", "JWKS_FILE": str(jwks),
        "AUDIT_SIGNING_KEY_FILE": str(log_key_file)})
    kit, engine, on_stop = build(settings, **{"tree_head_interval": 3600, **overrides})
    kit.server.start()
    return signer, settings, (kit, engine, on_stop)


def stop_audit(started) -> None:
    kit, engine, on_stop = started
    kit.stop(0)
    on_stop()
    engine.dispose()
