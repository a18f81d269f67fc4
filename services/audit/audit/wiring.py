"""Composition root of audit (contract only until its issue lands: every RPC answers UNIMPLEMENTED)."""
from __future__ import annotations

from pathlib import Path

from mes.audit.v1 import audit_pb2_grpc

from meskit.runner import build_contract_only
from meskit.server import Registration

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


def build(settings, **overrides):
    return build_contract_only(settings, Registration(
        audit_pb2_grpc.add_AuditServiceServicer_to_server, audit_pb2_grpc.AuditServiceServicer(),
        "mes.audit.v1.AuditService"), **overrides)
