"""Composition root of profile: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, relay_interval and erasure_interval (seconds), now (the clock)."""
from __future__ import annotations

from pathlib import Path

from mes.profile.v1 import profile_pb2, profile_pb2_grpc

from meskit import clients, db
from meskit.audit_client import AuditClient
from meskit.clock import OffsetClock
from meskit.config import ConfigError
from meskit.erasure import erasure_loop
from meskit.relay import Dispatcher, outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server
from meskit.subject_data import registration as subject_data_registration
from meskit.secret_files import client_secret

from profile.adapters.documents import DocumentsClient
from profile.adapters.identity import IdentityAccessContexts
from profile.adapters.repository import ProfileRepository
from profile.adapters.tables import outbox
from profile.api.servicer import ProfileServiceServicer, subject_data_servicer
from profile.config import ProfileSettings
from profile.domain import subject
from profile.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
SERVICE_NAME = profile_pb2.DESCRIPTOR.services_by_name["ProfileService"].full_name
RELAY_INTERVAL_SECONDS = 0.5


def build(settings: ProfileSettings, **overrides):
    for name, value in (("IDENTITY_ADDR", settings.identity_addr), ("AUDIT_ADDR", settings.audit_addr),
                        ("DOCUMENTS_ADDR", settings.documents_addr)):
        if not value:
            raise ConfigError(f"ProfileSettings: {name} is required")
    secret = client_secret(settings)
    clock = overrides.get("now") or (OffsetClock(settings.clock_offset_file) if settings.clock_offset_file
                                     else utc_now)
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    documents_channel = clients.channel(settings.documents_addr, token_provider=tokens)
    audit = AuditClient(audit_channel)
    deps = Dependencies(unit_of_work=db.unit_of_work(engine, ProfileRepository),
                        contexts=IdentityAccessContexts(identity), audit=audit,
                        documents=DocumentsClient(documents_channel), now=clock)
    kit = build_server(service=settings.service_name, port=settings.grpc_port,
                       verifier=overrides.get("verifier") or verifier_for(settings),
                       registrations=[Registration(profile_pb2_grpc.add_ProfileServiceServicer_to_server,
                                                   ProfileServiceServicer(deps), SERVICE_NAME),
                                      subject_data_registration(subject_data_servicer(deps))])
    relay = outbox_relay(engine, outbox, Dispatcher(audit, None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    erasures = erasure_loop(identity, lambda account_id: subject.erase(deps, account_id),
                            overrides.get("erasure_interval", settings.erasure_interval)).start()

    def on_stop() -> None:
        erasures.stop()
        relay.stop()
        for channel in (identity, audit_channel, documents_channel, token_channel):
            channel.close()
    return kit, engine, on_stop
