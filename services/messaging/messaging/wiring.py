"""Composition root of messaging: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, objects (an ObjectStore), relay_interval and purge_interval (seconds), now.
"""
from __future__ import annotations

import logging
from pathlib import Path

from mes.messaging.v1 import messaging_pb2_grpc

from meskit import clients, db, objects
from meskit.audit_client import AuditClient
from meskit.config import ConfigError
from meskit.event_publisher import EventPublisher
from meskit.loop import Loop
from meskit.relay import Dispatcher, outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server

from messaging.adapters.documents import DocumentsClient
from messaging.adapters.identity import IdentityAccessContexts
from messaging.adapters.repository import MessagingRepository
from messaging.adapters.tables import outbox
from messaging.api.servicer import MessagingServicer
from messaging.config import MessagingSettings
from messaging.domain import uploads
from messaging.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
RELAY_INTERVAL_SECONDS = 0.5
PURGE_INTERVAL_SECONDS = 600.0
OBJECT_PREFIX = "messaging/"
# A request carries a message's attachments inline (10,000,000 bytes at most) with its text.
MAX_MESSAGE_BYTES = 12 * 1024 * 1024
log = logging.getLogger("messaging")


def object_store(settings: MessagingSettings) -> objects.ObjectStore:
    store = objects.object_store(settings, settings.messaging_dir, prefix=OBJECT_PREFIX)
    if store is None:
        raise ConfigError("MessagingSettings: set S3_ENDPOINT (object storage) or MESSAGING_DIR (a local folder)")
    return store


def build(settings: MessagingSettings, **overrides):
    if not settings.identity_addr:
        raise ConfigError("MessagingSettings: IDENTITY_ADDR is required (access context and service tokens)")
    if not settings.service_client_secret:
        raise ConfigError("MessagingSettings: SERVICE_CLIENT_SECRET is required (service tokens for identity, audit)")
    files = overrides.get("objects") or object_store(settings)
    try:
        files.ensure_bucket()
    except Exception as exc:   # the store may come up later: attachments answer UNAVAILABLE until then
        log.warning("object store not reachable at start", extra={"error": type(exc).__name__})
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, settings.service_client_secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    audit = AuditClient(audit_channel)
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    documents_channel = (clients.channel(settings.documents_addr, token_provider=tokens)
                         if settings.documents_addr else None)
    deps = Dependencies(unit_of_work=db.unit_of_work(engine, MessagingRepository), objects=files,
                        contexts=IdentityAccessContexts(identity), audit=audit, now=overrides.get("now") or utc_now,
                        documents=DocumentsClient(documents_channel) if documents_channel else None)
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port,
                           verifier=overrides.get("verifier") or verifier_for(settings),
                           registrations=[Registration(messaging_pb2_grpc.add_MessagingServiceServicer_to_server,
                                                       MessagingServicer(deps), "mes.messaging.v1.MessagingService")],
                           max_message_bytes=MAX_MESSAGE_BYTES)
    relay = outbox_relay(engine, outbox, Dispatcher(audit, EventPublisher(notifications_channel)
                                                    if notifications_channel else None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    purge = Loop("messaging-stale-uploads", lambda: uploads.purge_stale(deps),
                 overrides.get("purge_interval", PURGE_INTERVAL_SECONDS),
                 more_work=lambda purged: purged >= uploads.PURGE_BATCH).start()

    def on_stop() -> None:
        purge.stop()
        relay.stop()
        for channel in (identity, audit_channel, notifications_channel, documents_channel, token_channel):
            if channel is not None:
                channel.close()
    return kit, engine, on_stop
