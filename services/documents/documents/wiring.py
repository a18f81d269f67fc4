"""Composition root of documents: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, objects (an ObjectStore), relay_interval (seconds), now.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from mes.documents.v1 import documents_pb2_grpc

from meskit import clients, db
from meskit.audit_client import AuditClient
from meskit.event_publisher import EventPublisher
from meskit.config import ConfigError
from meskit.outbox import OutboxRelay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server

from documents.adapters.identity import IdentityAccessContexts
from documents.adapters.object_store import LocalObjectStore, S3ObjectStore
from documents.adapters.relay import Dispatcher
from documents.adapters.repository import DocumentsRepository
from documents.adapters.tables import outbox
from documents.api.servicer import DocumentsServicer
from documents.config import DocumentsSettings
from documents.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
RELAY_INTERVAL_SECONDS = 0.5
log = logging.getLogger("documents")


def object_store(settings: DocumentsSettings):
    if settings.s3_endpoint:
        return S3ObjectStore(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                             settings.s3_bucket, secure=settings.s3_secure, region=settings.s3_region)
    if settings.documents_dir:
        return LocalObjectStore(settings.documents_dir)
    raise ConfigError("DocumentsSettings: set S3_ENDPOINT (object storage) or DOCUMENTS_DIR (a local folder)")


def build(settings: DocumentsSettings, **overrides):
    if not settings.identity_addr:
        raise ConfigError("DocumentsSettings: IDENTITY_ADDR is required (access context and service tokens)")
    if not settings.service_client_secret:
        raise ConfigError("DocumentsSettings: SERVICE_CLIENT_SECRET is required (service tokens for identity, audit)")
    objects = overrides.get("objects") or object_store(settings)
    try:
        objects.ensure_bucket()
    except Exception as exc:   # the store may come up later: deposits and downloads answer UNAVAILABLE until then
        log.warning("object store not reachable at start", extra={"error": type(exc).__name__})
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    session_factory = db.make_session_factory(engine)

    @contextmanager
    def unit_of_work():
        with session_factory.begin() as session:
            yield DocumentsRepository(session)

    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, settings.service_client_secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    audit = AuditClient(audit_channel)
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    deps = Dependencies(unit_of_work=unit_of_work, objects=objects, contexts=IdentityAccessContexts(identity),
                        audit=audit, now=overrides.get("now") or utc_now)
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port,
                           verifier=overrides.get("verifier") or verifier_for(settings),
                           registrations=[Registration(documents_pb2_grpc.add_DocumentsServiceServicer_to_server,
                                                       DocumentsServicer(deps), "mes.documents.v1.DocumentsService")])
    relay = OutboxRelay(engine, outbox, Dispatcher(audit, EventPublisher(notifications_channel)
                                                   if notifications_channel else None),
                        poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()

    def on_stop() -> None:
        relay.stop()
        for channel in (identity, audit_channel, notifications_channel, token_channel):
            if channel is not None:
                channel.close()
    return kit, engine, on_stop
