"""Composition root of messaging: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, objects (an ObjectStore), relay_interval, purge_interval and
erasure_interval (seconds), now.
The MSSanté bridge: the SMTP listener when MSSANTE_SMTP_PORT >= 0, the outbound sender when MSSANTE_RELAY_HOST is set.
"""
from __future__ import annotations

import logging
from pathlib import Path

from mes.messaging.v1 import messaging_pb2_grpc

from meskit import clients, db, objects
from meskit.erasure import erasure_loop
from meskit.audit_client import AuditClient
from meskit.config import ConfigError
from meskit.event_publisher import EventPublisher
from meskit.loop import Loop
from meskit.subject_data import PulledErasureServicer, registration as subject_data_registration
from meskit.relay import Dispatcher, outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server, report_port
from meskit.secret_files import client_secret

from messaging.adapters.documents import DocumentsClient
from messaging.adapters.identity import IdentityAccessContexts, IdentityMailDirectory
from messaging.adapters.outbound import BATCH as OUTBOUND_BATCH
from messaging.adapters.outbound import OutboundSender, Relay, relay_context
from messaging.adapters.smtp_listener import MssanteHandler, SmtpListener, tls_context
from messaging.adapters.repository import MessagingRepository
from messaging.adapters.subject_data import SubjectData
from messaging.adapters.tables import outbox
from messaging.api.servicer import MessagingServicer
from messaging.config import MessagingSettings
from messaging.domain import delivery, subject_data, uploads
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


def smtp_listener(settings: MessagingSettings, deps: Dependencies) -> SmtpListener | None:
    """The MSSanté bridge's inbound SMTP (its bound port reported in MSSANTE_SMTP_PORT_FILE)."""
    if settings.mssante_smtp_port < 0:
        return None
    missing = [name for name, value in (("MSSANTE_CA_FILE", settings.mssante_ca_file),
                                        ("MSSANTE_TLS_CERT_FILE", settings.mssante_tls_cert_file),
                                        ("MSSANTE_TLS_KEY_FILE", settings.mssante_tls_key_file)) if not value]
    if missing:
        raise ConfigError(f"MessagingSettings: the SMTP listener needs {', '.join(missing)}")
    context = tls_context(settings.mssante_ca_file, settings.mssante_tls_cert_file, settings.mssante_tls_key_file)
    assert deps.mail is not None
    handler = MssanteHandler(deps.mail, lambda d: delivery.deliver(deps, d))
    listener = SmtpListener(handler, host=settings.mssante_smtp_host, port=settings.mssante_smtp_port,
                            context=context, hostname=settings.mssante_smtp_hostname or settings.mssante_patient_domain)
    listener.start()
    report_port(settings.mssante_smtp_port_file, listener.port)
    log.info("mssante smtp listening", extra={"port": listener.port})
    return listener


def outbound_sender(settings: MessagingSettings, engine, deps: Dependencies) -> Loop | None:
    if not settings.mssante_relay_host:
        return None
    context = (relay_context(settings.mssante_ca_file, settings.mssante_tls_cert_file, settings.mssante_tls_key_file)
               if settings.mssante_relay_starttls else None)
    sender = OutboundSender(engine, deps, Relay(settings.mssante_relay_host, settings.mssante_relay_port,
                                                settings.mssante_relay_starttls, context,
                                                settings.mssante_relay_timeout_seconds),
                            retry_seconds=settings.mssante_retry_seconds, max_attempts=settings.mssante_max_attempts)
    return Loop("messaging-mssante-sender", sender.run_once, settings.mssante_send_interval_seconds,
                more_work=lambda sent: sent >= OUTBOUND_BATCH).start()


def build(settings: MessagingSettings, **overrides):
    if not settings.identity_addr:
        raise ConfigError("MessagingSettings: IDENTITY_ADDR is required (access context and service tokens)")
    secret = client_secret(settings)
    files = overrides.get("objects") or object_store(settings)
    try:
        files.ensure_bucket()
    except Exception as exc:   # the store may come up later: attachments answer UNAVAILABLE until then
        log.warning("object store not reachable at start", extra={"error": type(exc).__name__})
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    audit = AuditClient(audit_channel)
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    documents_channel = (clients.channel(settings.documents_addr, token_provider=tokens)
                         if settings.documents_addr else None)
    deps = Dependencies(unit_of_work=db.unit_of_work(engine, MessagingRepository), objects=files,
                        contexts=IdentityAccessContexts(identity), audit=audit, now=overrides.get("now") or utc_now,
                        documents=DocumentsClient(documents_channel) if documents_channel else None,
                        patient_domain=settings.mssante_patient_domain,
                        mail=IdentityMailDirectory(identity, settings.mssante_patient_domain))
    subject = SubjectData(engine)
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port,
                           verifier=overrides.get("verifier") or verifier_for(settings),
                           registrations=[Registration(messaging_pb2_grpc.add_MessagingServiceServicer_to_server,
                                                       MessagingServicer(deps), "mes.messaging.v1.MessagingService"),
                                          subject_data_registration(PulledErasureServicer(
                                              lambda caller, account_id, export_id: subject_data.export(
                                                  deps, subject, caller, account_id, export_id)))],
                           max_message_bytes=MAX_MESSAGE_BYTES)
    relay = outbox_relay(engine, outbox, Dispatcher(audit, EventPublisher(notifications_channel)
                                                    if notifications_channel else None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    purge = Loop("messaging-stale-uploads", lambda: uploads.purge_stale(deps),
                 overrides.get("purge_interval", PURGE_INTERVAL_SECONDS),
                 more_work=lambda purged: purged >= uploads.PURGE_BATCH).start()
    erasures = erasure_loop(identity, lambda account_id: subject_data.erase(subject, files, account_id),
                            overrides.get("erasure_interval", settings.erasure_interval_seconds)).start()
    listener = smtp_listener(settings, deps)
    sender = outbound_sender(settings, engine, deps)

    def on_stop() -> None:
        if sender is not None:
            sender.stop()
        if listener is not None:
            listener.stop()
        erasures.stop()
        purge.stop()
        relay.stop()
        for channel in (identity, audit_channel, notifications_channel, documents_channel, token_channel):
            if channel is not None:
                channel.close()
    return kit, engine, on_stop
