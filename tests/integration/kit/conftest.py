"""Real gRPC servers built with meskit on port 0, hosting generated services whose handlers the
test chooses, plus captured JSON logs and in-memory spans."""
from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import grpc
import pytest
import sqlalchemy as sa
from mes.documents.v1 import documents_pb2_grpc
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2_grpc

from meskit import auth, db
from meskit.logs import JsonFormatter
from meskit.outbox import outbox_table
from meskit.server import KitServer, Registration, build_server

IDENTITY = "mes.identity.v1.IdentityService"
NOTIFICATIONS = "mes.notifications.v1.NotificationsService"
_SERVICES = {
    IDENTITY: (identity_pb2_grpc.IdentityServiceServicer, identity_pb2_grpc.add_IdentityServiceServicer_to_server),
    NOTIFICATIONS: (notifications_pb2_grpc.NotificationsServiceServicer,
                    notifications_pb2_grpc.add_NotificationsServiceServicer_to_server),
    "mes.documents.v1.DocumentsService": (documents_pb2_grpc.DocumentsServiceServicer,
                                          documents_pb2_grpc.add_DocumentsServiceServicer_to_server),
}


@pytest.fixture
def outbox(new_database):
    """An empty outbox table in a database of its own: (engine, table)."""
    engine = db.make_engine(new_database("outbox"))
    table = outbox_table(sa.MetaData())
    table.create(engine)
    yield engine, table
    engine.dispose()


@pytest.fixture
def signer() -> auth.TokenSigner:
    return auth.TokenSigner(auth.generate_private_key_pem(), issuer="mes-identity", audience="mes-api",
                            ttl_seconds=600)


@pytest.fixture
def verifier(signer) -> auth.TokenVerifier:
    return auth.TokenVerifier(signer.jwks, issuer="mes-identity", audience="mes-api")


@pytest.fixture
def bearer(signer) -> Callable[..., list[tuple[str, str]]]:
    """Metadata carrying a valid access token for `Caller(actor_type, subject)`."""
    def make(actor_type: str = auth.PATIENT, subject: str = "acc-1") -> list[tuple[str, str]]:
        token, _ = signer.sign(auth.Caller(actor_type, subject))
        return [("authorization", f"Bearer {token}")]
    return make


@pytest.fixture
def serve(verifier):
    """Factory: start a real server hosting `service` whose RPCs are the given handlers.

    Handlers are set on an instance of the generated servicer, so every other RPC keeps the
    generated UNIMPLEMENTED behaviour. Returns the KitServer; the address is 127.0.0.1:port.
    """
    started: list[KitServer] = []

    def start(handlers: dict[str, Callable], *, service: str = IDENTITY, name: str = "kit-test",
              max_workers: int = 4, with_verifier: bool = True) -> KitServer:
        servicer_cls, add = _SERVICES[service]
        servicer = servicer_cls()
        for method, handler in handlers.items():
            assert hasattr(servicer, method), method
            setattr(servicer, method, handler)
        kit = build_server(service=name, registrations=[Registration(add, servicer, service)],
                           verifier=verifier if with_verifier else None, host="127.0.0.1",
                           max_workers=max_workers)
        kit.server.start()
        started.append(kit)
        return kit

    yield start
    for kit in started:
        kit.stop(0)


@pytest.fixture
def channel_to():
    """Factory: a plain insecure channel to a KitServer, closed after the test."""
    channels: list[grpc.Channel] = []

    def make(kit: KitServer) -> grpc.Channel:
        channel = grpc.insecure_channel(f"127.0.0.1:{kit.port}")
        channels.append(channel)
        return channel

    yield make
    for channel in channels:
        channel.close()


class JsonLines:
    def __init__(self, stream: io.StringIO):
        self._stream = stream

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self._stream.getvalue().splitlines() if line.strip()]

    def matching(self, **fields) -> list[dict]:
        return [line for line in self.all() if all(line.get(k) == v for k, v in fields.items())]


@pytest.fixture
def json_logs():
    """What the root handler installed by configure_logging would print, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("kit-test"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield JsonLines(stream)
    root.removeHandler(handler)
    root.setLevel(previous_level)


@pytest.fixture(scope="session")
def spans():
    """Finished spans of this process, exported in memory (the tracer provider is set once)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture(scope="session")
def s3_endpoint():
    """host:port of a real S3 endpoint (moto in server mode, a thread of this process)."""
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()
