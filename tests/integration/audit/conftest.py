"""Audit as a real gRPC server on port 0 over a real, migrated PostgreSQL database."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2_grpc

from audit_harness import AuditHarness, start_audit, stop_audit
from meskit.auth import generate_private_key_pem


@pytest.fixture(scope="session")
def log_key_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("audit-keys") / "audit-log-key.pem"
    path.write_bytes(generate_private_key_pem())
    return path


@pytest.fixture
def audit_db(migrated_database):
    return migrated_database("audit")


@pytest.fixture
def audit(audit_db, signing_key, log_key_file, tmp_path):
    signer, settings, started = start_audit(audit_db, signing_key, log_key_file, tmp_path)
    channel = grpc.insecure_channel(f"127.0.0.1:{started[0].port}")
    harness = AuditHarness(audit_pb2_grpc.AuditServiceStub(channel), audit_db, started[1], signer, settings,
                           [started])
    yield harness
    channel.close()
    for server in harness.servers:
        stop_audit(server)
