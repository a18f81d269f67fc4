"""Composition root of exports: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, objects (an ObjectStore), now (the clock), relay_interval,
job_interval and erasure_interval (seconds)."""
from __future__ import annotations

import logging
from pathlib import Path

from mes.exports.v1 import exports_pb2, exports_pb2_grpc

from meskit import clients, db, objects
from meskit.audit_client import AuditClient
from meskit.clock import OffsetClock
from meskit.config import ConfigError
from meskit.erasure import erasure_loop
from meskit.event_publisher import EventPublisher
from meskit.loop import Loop
from meskit.relay import Dispatcher, outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server
from meskit.secret_files import client_secret

from exports.adapters import sources
from exports.adapters.identity import IdentitySpaces
from exports.adapters.repository import ExportsRepository
from exports.adapters.tables import outbox
from exports.api.servicer import ExportsServiceServicer
from exports.config import ExportsSettings
from exports.domain import building, erasure
from exports.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
SERVICE_NAME = exports_pb2.DESCRIPTOR.services_by_name["ExportsService"].full_name
OBJECT_PREFIX = "exports/"
RELAY_INTERVAL_SECONDS = 0.5
log = logging.getLogger("exports")


def source_names(settings: ExportsSettings) -> list[str]:
    names = [n.strip() for n in settings.export_sources.split(",") if n.strip()]
    unknown = [n for n in names if n not in sources.FOLDERS]
    if unknown or not names:
        raise ConfigError(f"ExportsSettings: EXPORT_SOURCES: unknown services {unknown} "
                          f"(known: {', '.join(sources.FOLDERS)})")
    return names


def source_address(settings: ExportsSettings, name: str) -> str:
    address = getattr(settings, f"{name}_addr")
    if not address:
        raise ConfigError(f"ExportsSettings: {name.upper()}_ADDR is required ({name} is in EXPORT_SOURCES)")
    return address


def build(settings: ExportsSettings, **overrides):
    if not settings.identity_addr:
        raise ConfigError("ExportsSettings: IDENTITY_ADDR is required (access context, service tokens)")
    secret = client_secret(settings)
    names = source_names(settings)
    addresses = {name: source_address(settings, name) for name in names}
    files = overrides.get("objects") or objects.object_store(settings, settings.exports_dir, prefix=OBJECT_PREFIX)
    if files is None:
        raise ConfigError("ExportsSettings: set S3_ENDPOINT (object storage) or EXPORTS_DIR (a local folder)")
    try:
        files.ensure_bucket()
    except Exception as exc:   # the store may come up later: builds are retried until then
        log.warning("object store not reachable at start", extra={"error": type(exc).__name__})
    clock = overrides.get("now") or (OffsetClock(settings.clock_offset_file) if settings.clock_offset_file
                                     else utc_now)
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    channels = {"identity": identity, "audit": audit_channel}
    channels.update({name: clients.channel(address, token_provider=tokens)
                     for name, address in addresses.items() if name not in channels})
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    audit = AuditClient(audit_channel)
    deps = Dependencies(unit_of_work=db.unit_of_work(engine, ExportsRepository), objects=files,
                        spaces=IdentitySpaces(identity), audit=audit,
                        sources=[sources.source(name, channels[name]) for name in names],
                        ttl_hours=settings.export_ttl_hours, now=clock)
    kit = build_server(service=settings.service_name, port=settings.grpc_port,
                       verifier=overrides.get("verifier") or verifier_for(settings),
                       registrations=[Registration(exports_pb2_grpc.add_ExportsServiceServicer_to_server,
                                                   ExportsServiceServicer(deps), SERVICE_NAME)])
    relay = outbox_relay(engine, outbox, Dispatcher(audit, EventPublisher(notifications_channel)
                                                    if notifications_channel else None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    job = Loop("exports-builds", lambda: building.run_pass(deps),
               overrides.get("job_interval", settings.job_interval_seconds),
               more_work=lambda done: done > 0).start()
    erasures = (erasure_loop(identity, lambda account_id: erasure.erase(deps, account_id),
                             overrides.get("erasure_interval", settings.erasure_interval_seconds)).start()
                if settings.erasure_interval_seconds > 0 else None)

    def on_stop() -> None:
        if erasures is not None:
            erasures.stop()
        job.stop()
        relay.stop()
        for channel in {*channels.values(), notifications_channel, token_channel}:
            if channel is not None:
                channel.close()
    return kit, engine, on_stop
