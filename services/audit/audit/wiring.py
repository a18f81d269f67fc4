"""Composition root of audit: build(settings, **overrides) -> (KitServer, engine, on_stop)."""
from __future__ import annotations

from pathlib import Path

from mes.audit.v1 import audit_pb2_grpc
from mes.lifecycle.v1 import lifecycle_pb2_grpc
from sqlalchemy.engine import Engine

from meskit import db
from meskit.loop import Loop
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server

from audit.adapters.appending import AppendConnection
from audit.adapters.database import make_engine
from audit.adapters.keys import Ed25519HeadSigner
from audit.adapters.repository import AuditRepository
from audit.api.lifecycle_servicer import SubjectDataServicer
from audit.api.servicer import AuditServicer
from audit.config import AuditSettings
from audit.domain.appends import GroupCommitter
from audit.domain.heads import TreeHeads
from audit.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
TREE_HEAD_INTERVAL_SECONDS = 10.0


def build(settings: AuditSettings, **overrides):
    """Overrides (tests): engine, verifier, now, tree_head_interval."""
    signer = Ed25519HeadSigner.watching(settings.signing_key_file, settings.secret_files_poll_seconds)
    verifier = overrides.get("verifier") or verifier_for(settings)
    engine = overrides.get("engine") or make_engine(settings.database_url)
    unit_of_work = db.unit_of_work(engine, AuditRepository)
    now = overrides.get("now") or utc_now
    writer = AppendConnection(engine)
    appender = GroupCommitter(writer.transaction, now)
    heads = TreeHeads(unit_of_work, signer, now)
    deps = Dependencies(unit_of_work=unit_of_work, appender=appender, heads=heads, now=now)
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port, verifier=verifier,
                           registrations=[Registration(audit_pb2_grpc.add_AuditServiceServicer_to_server,
                                                       AuditServicer(deps), "mes.audit.v1.AuditService"),
                                          Registration(lifecycle_pb2_grpc.add_SubjectDataServiceServicer_to_server,
                                                       SubjectDataServicer(deps), "mes.lifecycle.v1.SubjectDataService")])
    signing = Loop("audit-tree-heads", heads.latest, overrides.get("tree_head_interval", TREE_HEAD_INTERVAL_SECONDS),
                   wait_first=True).start()

    def on_stop():
        signing.stop()
        appender.stop()
        writer.close()
    return kit, engine, on_stop
