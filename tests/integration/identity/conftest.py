"""Identity, notifications and audit as real gRPC servers on port 0, over a real PostgreSQL and SMTP.
What notifications knows of a person shows the way a client sees it: mail in the SMTP sink,
letters in the print file, the operators' delivery listing; what audit knows, in the holder's
activity history."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.audit.v1 import audit_pb2_grpc
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from meskit import config, db
from meskit.auth import PATIENT, Caller, TokenSigner, generate_private_key_pem
from meskit.server import watch_readiness


@dataclass
class IdentityHarness:
    stub: identity_pb2_grpc.IdentityServiceStub
    channel: grpc.Channel
    address: str
    mail_dir: Path
    key_file: Path
    database_url: str
    notifications: notifications_pb2_grpc.NotificationsServiceStub
    audit: audit_pb2_grpc.AuditServiceStub
    audit_service: "AuditProcess"

    def operator(self):
        return [("authorization", f"Bearer {operator_token(self.key_file)}")]

    def as_(self, caller: Caller):
        """Metadata with an access token for any actor, signed with identity's key (no login flow)."""
        signer = TokenSigner(self.key_file.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=300)
        return [("authorization", f"Bearer {signer.sign(caller)[0]}")]

    def pending_outbox(self, aggregate_id: str | None = None) -> int:
        """Rows identity has not relayed yet (its own outbox), of one patient or all."""
        import sqlalchemy as sa
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                    + (" AND aggregate_id = :a" if aggregate_id else "")), {"a": aggregate_id}).scalar_one()
        finally:
            engine.dispose()

    def history(self, patient_id: str, *, resource_types: tuple[str, ...] = (), caller: Caller | None = None,
                relayed: bool = True) -> list[apb.Record]:
        """The patient's activity history (group GENERAL, oldest first), as she reads it from audit,
        once identity's relay has handed over every record it holds (`relayed`)."""
        if relayed:
            eventually(lambda: self.pending_outbox() == 0, what="identity's outbox relayed")
        reply = self.audit.ListActivity(apb.ListActivityRequest(
            patient_id=patient_id, groups=[apb.ACTIVITY_GROUP_GENERAL], oldest_first=True, page_size=200),
            metadata=self.as_(caller or Caller(PATIENT, patient_id)))
        return [r for r in reply.records if not resource_types or r.resource_type in resource_types]


@dataclass
class AuditProcess:
    """Audit as a real server; stop() and start() again on the same port (identity holds its address)."""
    build: object
    settings_for: object
    port: int = 0
    running: tuple | None = None

    def start(self) -> None:
        kit, engine, on_stop = self.build(self.settings_for(self.port), tree_head_interval=3600)
        kit.server.start()
        watch_readiness(kit, lambda: db.ping(engine), interval=0.5)
        self.running, self.port = (kit, engine, on_stop), kit.port

    def stop(self) -> None:
        if self.running is not None:
            kit, engine, on_stop = self.running
            kit.stop(0)
            on_stop()
            engine.dispose()
            self.running = None


@dataclass
class Clock:
    """Identity's clock in these tests: the real time, moved forward by `advance`."""
    offset: object = None

    def __call__(self):
        from datetime import datetime, timedelta, timezone
        return datetime.now(timezone.utc) + (self.offset or timedelta(0))

    def advance(self, delta) -> None:
        from datetime import timedelta
        self.offset = (self.offset or timedelta(0)) + delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


SERVICE_SECRETS = {"documents": "documents-client-secret-for-tests-0123456789"}


@pytest.fixture
def service_secrets() -> dict[str, str]:
    return dict(SERVICE_SECRETS)


def _service_clients_file(directory: Path) -> Path:
    import json
    from identity.domain.service_clients import secret_digest
    path = directory / "service-clients.json"
    path.write_text(json.dumps({name: secret_digest(secret) for name, secret in SERVICE_SECRETS.items()}))
    return path


def _start(started: list, build, settings, **overrides):
    kit, engine, on_stop = build(settings, **overrides)
    started.append((kit, engine, on_stop))
    kit.server.start()
    watch_readiness(kit, lambda: db.ping(engine), interval=0.5)
    return kit


@pytest.fixture
def identity_env() -> dict[str, str]:
    """Settings of identity a test module adds (overridden there)."""
    return {}


@pytest.fixture
def identity(migrated_database, smtp, signing_key, tmp_path, clock, identity_env):
    """Audit and notifications first (verifying tokens with identity's published keys from a file),
    then identity calling them; each binds port 0 and reports the port it holds."""
    from audit.config import AuditSettings
    from audit.wiring import build as build_audit
    from identity.config import IdentitySettings
    from identity.wiring import build as build_identity
    from notifications.config import NotificationsSettings
    from notifications.wiring import build as build_notifications

    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(TokenSigner(signing_key.read_bytes(), issuer="mes-identity", audience="mes-api",
                                           ttl_seconds=300).jwks()))
    log_key = tmp_path / "audit-log-key.pem"
    log_key.write_bytes(generate_private_key_pem())
    audit_url = migrated_database("audit")
    audit = AuditProcess(build_audit, lambda port: config.load(AuditSettings, {
        "SERVICE_NAME": "audit", "DATABASE_URL": audit_url, "GRPC_PORT": str(port), "JWKS_FILE": str(jwks),
        "AUDIT_SIGNING_KEY_FILE": str(log_key)}))
    started = []
    try:
        audit.start()
        n_kit = _start(started, build_notifications, config.load(NotificationsSettings, {
            "SERVICE_NAME": "notifications", "DATABASE_URL": migrated_database("notifications"), "GRPC_PORT": "0",
            "JWKS_FILE": str(jwks), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
            "LETTERS_DIR": str(tmp_path / "letters"), "LETTER_BATCH_TIME": "off", "DEFAULT_QUIET_HOURS": "off",
            "WORKER_POLL_SECONDS": "0.05"}))
        identity_url = migrated_database("identity")
        kit = _start(started, build_identity, config.load(IdentitySettings, {
            "SERVICE_NAME": "identity", "DATABASE_URL": identity_url, "SIGNING_KEY_FILE": str(signing_key),
            "GRPC_PORT": "0", "NOTIFICATIONS_ADDR": f"127.0.0.1:{n_kit.port}", "AUDIT_ADDR": f"127.0.0.1:{audit.port}",
            "LOCKOUT_MAX_FAILURES": "3", "LOCKOUT_SECONDS": "900", "CREATION_JOBS_INTERVAL_SECONDS": "0.5",
            "SERVICE_CLIENTS_FILE": str(_service_clients_file(tmp_path)), **identity_env}), now=clock)
        channel = grpc.insecure_channel(f"127.0.0.1:{kit.port}")
        n_channel = grpc.insecure_channel(f"127.0.0.1:{n_kit.port}")
        a_channel = grpc.insecure_channel(f"127.0.0.1:{audit.port}")
        yield IdentityHarness(identity_pb2_grpc.IdentityServiceStub(channel), channel, f"127.0.0.1:{kit.port}",
                              smtp.directory, signing_key, identity_url,
                              notifications_pb2_grpc.NotificationsServiceStub(n_channel),
                              audit_pb2_grpc.AuditServiceStub(a_channel), audit)
        for c in (channel, n_channel, a_channel):
            c.close()
    finally:
        for kit, engine, on_stop in reversed(started):
            kit.stop(0)
            on_stop()
            engine.dispose()
        audit.stop()
