"""Composition root of agenda: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, relay_interval and reminders_interval (seconds), now, today.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from mes.agenda.v1 import agenda_pb2_grpc

from meskit import clients, db
from meskit.audit_client import AuditClient
from meskit.config import ConfigError
from meskit.event_publisher import EventPublisher
from meskit.loop import Loop
from meskit.relay import Dispatcher, outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server

from agenda.adapters.identity import IdentityAccessContexts
from agenda.adapters.prevention_repository import PreventionRepository
from agenda.adapters.tables import outbox
from agenda.api.servicer import AgendaServicer
from agenda.config import AgendaSettings
from agenda.domain import prevention_reminders, schedule_file
from agenda.domain.prevention_ports import PreventionDependencies

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
RELAY_INTERVAL_SECONDS = 0.5
REMINDERS_INTERVAL_SECONDS = 300.0
PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def build(settings: AgendaSettings, **overrides):
    if not settings.identity_addr:
        raise ConfigError("AgendaSettings: IDENTITY_ADDR is required (access context and service tokens)")
    if not settings.service_client_secret:
        raise ConfigError("AgendaSettings: SERVICE_CLIENT_SECRET is required (service tokens for identity, audit)")
    try:
        schedule = schedule_file.load(settings.prevention_schedule_file)
    except schedule_file.ScheduleFileError as exc:
        raise ConfigError(f"PREVENTION_SCHEDULE_FILE: {exc}") from None
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, settings.service_client_secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    now = overrides.get("now") or utc_now
    # ---- prevention (engineer "prevention") ----
    prevention = PreventionDependencies(
        unit_of_work=db.unit_of_work(engine, PreventionRepository), contexts=IdentityAccessContexts(identity),
        schedule=schedule, now=now, today=overrides.get("today") or (lambda: now().astimezone(PARIS).date()))
    # ---- end prevention ----
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port,
                           verifier=overrides.get("verifier") or verifier_for(settings),
                           registrations=[Registration(agenda_pb2_grpc.add_AgendaServiceServicer_to_server,
                                                       AgendaServicer(prevention=prevention),  # type: ignore[abstract]  # appointments: the calendar part
                                                       "mes.agenda.v1.AgendaService")])
    relay = outbox_relay(engine, outbox, Dispatcher(AuditClient(audit_channel), EventPublisher(notifications_channel)
                                                    if notifications_channel else None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    # ---- prevention (engineer "prevention") ----
    reminders = Loop("agenda-prevention-reminders", lambda: prevention_reminders.run_pass(prevention),
                     overrides.get("reminders_interval", REMINDERS_INTERVAL_SECONDS),
                     more_work=lambda checked: checked >= prevention_reminders.BATCH).start()
    # ---- end prevention ----

    def on_stop() -> None:
        reminders.stop()
        relay.stop()
        for channel in (identity, audit_channel, notifications_channel, token_channel):
            if channel is not None:
                channel.close()
    return kit, engine, on_stop



