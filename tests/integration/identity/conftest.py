"""Identity and notifications as real gRPC servers on port 0, over a real PostgreSQL and SMTP."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import operator_token
from devtools.ports import free_port
from meskit import config, db
from meskit.auth import Caller, TokenSigner
from meskit.server import watch_readiness


@dataclass
class IdentityHarness:
    stub: identity_pb2_grpc.IdentityServiceStub
    channel: grpc.Channel
    address: str
    mail_dir: Path
    key_file: Path
    database_url: str
    notifications_database_url: str

    def operator(self):
        return [("authorization", f"Bearer {operator_token(self.key_file)}")]

    def as_(self, caller: Caller):
        """Metadata with an access token for any actor, signed with identity's key (no login flow)."""
        signer = TokenSigner(self.key_file.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=300)
        return [("authorization", f"Bearer {signer.sign(caller)[0]}")]


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


def _start(kit, engine):
    kit.server.start()
    watch_readiness(kit, lambda: db.ping(engine), interval=0.5)
    return kit


@pytest.fixture
def identity(new_database, smtp, signing_key, tmp_path):
    from identity.config import IdentitySettings
    from identity.wiring import VERSIONS_DIR, build as build_identity
    from notifications.config import NotificationsSettings
    from notifications.wiring import VERSIONS_DIR as N_VERSIONS, build as build_notifications

    identity_url, notifications_url = new_database("identity"), new_database("notifications")
    db.migrate(identity_url, VERSIONS_DIR)
    db.migrate(notifications_url, N_VERSIONS)
    identity_port, notifications_port = free_port(), free_port()
    settings = config.load(IdentitySettings, {
        "SERVICE_NAME": "identity", "DATABASE_URL": identity_url, "SIGNING_KEY_FILE": str(signing_key),
        "GRPC_PORT": str(identity_port), "NOTIFICATIONS_ADDR": f"127.0.0.1:{notifications_port}",
        "LOCKOUT_MAX_FAILURES": "3", "LOCKOUT_SECONDS": "900",
        "SERVICE_CLIENTS_FILE": str(_service_clients_file(tmp_path))})
    n_settings = config.load(NotificationsSettings, {
        "SERVICE_NAME": "notifications", "DATABASE_URL": notifications_url, "GRPC_PORT": str(notifications_port),
        "IDENTITY_ADDR": f"127.0.0.1:{identity_port}", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port)})
    started = []
    try:
        for build, service_settings in ((build_identity, settings), (build_notifications, n_settings)):
            kit, engine, on_stop = build(service_settings)
            started.append((kit, engine, on_stop))
            _start(kit, engine)
        channel = grpc.insecure_channel(f"127.0.0.1:{identity_port}")
        yield IdentityHarness(identity_pb2_grpc.IdentityServiceStub(channel), channel, f"127.0.0.1:{identity_port}",
                              smtp.directory, signing_key, identity_url, notifications_url)
        channel.close()
    finally:
        for kit, engine, on_stop in reversed(started):
            kit.stop(0)
            on_stop()
            engine.dispose()
