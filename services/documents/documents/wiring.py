"""Composition root of documents: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, objects (an ObjectStore), matrix (a parsed Matrix), relay_interval
(seconds), now, embargo_interval (seconds between automatic lift passes), attestations_interval (seconds
between collections of identity's caregiving attestations; ATTESTATIONS_INTERVAL_SECONDS otherwise),
erasure_interval (seconds between two pulls of identity's pending erasures; ERASURE_INTERVAL_SECONDS otherwise).
"""
from __future__ import annotations

import logging
from pathlib import Path


from meskit import clients, db, objects
from meskit.erasure import erasure_loop
from meskit.audit_client import AuditClient
from meskit.event_publisher import EventPublisher
from meskit.loop import Loop
from meskit.config import ConfigError
from meskit.relay import outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server
from meskit.subject_data import registration as subject_data_registration
from meskit.secret_files import client_secret

from documents.adapters.identity import IdentityAccessContexts, IdentityAttestations
from documents.adapters.matrix_file import load_matrix
from documents.adapters.relay import dispatcher
from documents.adapters.repository import DocumentsRepository
from documents.adapters.tables import outbox
from documents.api import download_messages
from documents.api.servicer import DocumentsServicer
from documents.api.subject_data_servicer import subject_data_servicer
from documents.config import DocumentsSettings
from documents.domain import attestations, embargo, subject_data
from documents.domain.access import Matrix, MatrixError
from documents.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
RELAY_INTERVAL_SECONDS = 0.5
EMBARGO_INTERVAL_SECONDS = 60.0
OBJECT_PREFIX = "documents/"
log = logging.getLogger("documents")


def object_store(settings: DocumentsSettings) -> objects.ObjectStore:
    store = objects.object_store(settings, settings.documents_dir, prefix=OBJECT_PREFIX)
    if store is None:
        raise ConfigError("DocumentsSettings: set S3_ENDPOINT (object storage) or DOCUMENTS_DIR (a local folder)")
    return store


def matrix_for(settings: DocumentsSettings) -> Matrix:
    """The operator's matrix (MATRIX_FILE) or the shipped one; a bad file is a configuration error."""
    try:
        matrix = load_matrix(settings.matrix_file)
    except MatrixError as exc:
        raise ConfigError(f"DocumentsSettings: MATRIX_FILE refused: {exc}") from None
    log.info("access matrix loaded", extra={"matrix_version": matrix.version, "matrix_types": len(matrix.types)})
    return matrix


def build(settings: DocumentsSettings, **overrides):
    matrix = overrides.get("matrix") or matrix_for(settings)     # first: a bad matrix stops the start at once
    if not settings.identity_addr:
        raise ConfigError("DocumentsSettings: IDENTITY_ADDR is required (access context and service tokens)")
    secret = client_secret(settings)
    files = overrides.get("objects") or object_store(settings)
    try:
        files.ensure_bucket()
    except Exception as exc:   # the store may come up later: deposits and downloads answer UNAVAILABLE until then
        log.warning("object store not reachable at start", extra={"error": type(exc).__name__})
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    unit_of_work = db.unit_of_work(engine, DocumentsRepository)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    audit = AuditClient(audit_channel)
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    deps = Dependencies(unit_of_work=unit_of_work, objects=files, contexts=IdentityAccessContexts(identity),
                        audit=audit, matrix=matrix, read=db.reader(engine, DocumentsRepository),
                        now=overrides.get("now") or utc_now)
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port,
                           verifier=overrides.get("verifier") or verifier_for(settings),
                           registrations=[Registration(download_messages.add_to_server,
                                                       DocumentsServicer(deps), "mes.documents.v1.DocumentsService"),
                                          subject_data_registration(subject_data_servicer(deps))])
    relay = outbox_relay(engine, outbox, dispatcher(audit, EventPublisher(notifications_channel)
                                                    if notifications_channel else None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    lifts = Loop("documents-embargo-lifts", lambda: embargo.lift_due(deps),
                 overrides.get("embargo_interval", EMBARGO_INTERVAL_SECONDS),
                 more_work=lambda lifted: lifted >= embargo.BATCH).start()
    source = IdentityAttestations(identity)
    collections = Loop("documents-attestations", lambda: attestations.collect(deps, source),
                       overrides.get("attestations_interval", settings.attestations_interval_seconds),
                       more_work=lambda collected: collected >= attestations.BATCH).start()
    erasures = erasure_loop(identity, lambda account_id: subject_data.erase(deps, account_id),
                            overrides.get("erasure_interval", settings.erasure_interval_seconds)).start()

    def on_stop() -> None:
        erasures.stop()
        collections.stop()
        lifts.stop()
        relay.stop()
        for channel in (identity, audit_channel, notifications_channel, token_channel):
            if channel is not None:
                channel.close()
    return kit, engine, on_stop
