"""Notifications as a real gRPC server on port 0, over a real PostgreSQL, a real SMTP server, a
local Web Push endpoint that decrypts what it receives, and a letters folder."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.push_endpoint import PushEndpoint
from meskit import config, db
from meskit.auth import TokenSigner
from meskit.server import watch_readiness

sys.path.insert(0, str(Path(__file__).parent))
from notifications_harness import Harness, settings_env  # noqa: E402


@pytest.fixture
def keys(tmp_path, signing_key):
    from notifications.adapters.webpush import generate_vapid_key_pem
    signer = TokenSigner(signing_key.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=600)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(signer.jwks()))
    vapid = tmp_path / "vapid.pem"
    vapid.write_bytes(generate_vapid_key_pem())
    return signer, jwks, vapid


@pytest.fixture
def make_notifications(migrated_database, smtp, keys, tmp_path):
    """Factory: a notifications server (several may share one database, as replicas do)."""
    from notifications.config import NotificationsSettings
    from notifications.wiring import build

    signer, jwks, vapid = keys
    url = migrated_database("notifications")
    started, engines = [], []

    def make(**overrides: str) -> Harness:
        env = settings_env(url, jwks, smtp.port, tmp_path / "letters", vapid, **overrides)
        kit, engine, on_stop = build(config.load(NotificationsSettings, env))
        kit.server.start()
        watch_readiness(kit, lambda: db.ping(engine), interval=0.5)
        started.append((kit, engine, on_stop))
        channel = grpc.insecure_channel(f"127.0.0.1:{kit.port}")
        started.append(channel)
        check = sa.create_engine(url)
        engines.append(check)
        return Harness(notifications_pb2_grpc.NotificationsServiceStub(channel), f"127.0.0.1:{kit.port}", signer,
                       smtp, tmp_path / "letters", url, env, check)

    yield make
    for item in reversed(started):
        if isinstance(item, grpc.Channel):
            item.close()
            continue
        kit, engine, on_stop = item
        kit.stop(0)
        on_stop()
        engine.dispose()
    for check in engines:
        check.dispose()


@pytest.fixture
def notifications(make_notifications) -> Harness:
    return make_notifications()


@pytest.fixture
def push_endpoint():
    endpoint = PushEndpoint()
    endpoint.start()
    yield endpoint
    endpoint.stop()
