"""Composition root of agenda: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, verifier, relay_interval, reminder_interval, prevention_interval and
erasure_interval (seconds), now (the clock: () -> aware datetime; before CLOCK_OFFSET_FILE, the end-to-end tests'
clock hook), today (the Paris date the prevention calendar is computed for).
"""
from __future__ import annotations

from pathlib import Path

from mes.agenda.v1 import agenda_pb2_grpc

from meskit import clients, db
from meskit.audit_client import AuditClient
from meskit.clock import OffsetClock
from meskit.config import ConfigError
from meskit.erasure import erasure_loop
from meskit.event_publisher import EventPublisher
from meskit.loop import Loop
from meskit.subject_data import PulledErasureServicer, registration as subject_data_registration
from meskit.relay import Dispatcher, outbox_relay
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server
from meskit.secret_files import client_secret

from agenda.adapters.identity import IdentityAccessContexts
from agenda.adapters.repository import AgendaRepository
from agenda.adapters.subject_data import SubjectData
from agenda.adapters.tables import outbox
from agenda.api.servicer import AgendaServicer
from agenda.config import AgendaSettings
from agenda.domain import prevention_reminders, schedule_file, scheduler, subject_data
from agenda.domain.ports import Dependencies, utc_now

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
RELAY_INTERVAL_SECONDS = 0.5
PREVENTION_INTERVAL_SECONDS = 300.0


def build(settings: AgendaSettings, **overrides):
    if not settings.identity_addr:
        raise ConfigError("AgendaSettings: IDENTITY_ADDR is required (access context and service tokens)")
    secret = client_secret(settings)
    try:
        schedule = schedule_file.load(settings.prevention_schedule_file)
    except schedule_file.ScheduleFileError as exc:
        raise ConfigError(f"PREVENTION_SCHEDULE_FILE: {exc}") from None
    clock = overrides.get("now") or (OffsetClock(settings.clock_offset_file) if settings.clock_offset_file
                                     else utc_now)
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    token_channel = clients.channel(settings.identity_addr)
    tokens = clients.service_token_provider(token_channel, settings.service_name, secret)
    identity = clients.channel(settings.identity_addr, token_provider=tokens)
    audit_channel = clients.channel(settings.audit_addr, token_provider=tokens)
    audit = AuditClient(audit_channel)
    notifications_channel = (clients.channel(settings.notifications_addr, token_provider=tokens)
                             if settings.notifications_addr else None)
    deps = Dependencies(unit_of_work=db.unit_of_work(engine, AgendaRepository),
                        contexts=IdentityAccessContexts(identity), audit=audit, schedule=schedule, now=clock,
                        public_url=settings.public_url.rstrip("/"), today_override=overrides.get("today"))
    subject = SubjectData(engine)
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port,
                           verifier=overrides.get("verifier") or verifier_for(settings),
                           registrations=[Registration(agenda_pb2_grpc.add_AgendaServiceServicer_to_server,
                                                       AgendaServicer(deps), "mes.agenda.v1.AgendaService"),
                                          subject_data_registration(PulledErasureServicer(
                                              lambda caller, account_id, export_id: subject_data.export(
                                                  deps, subject, caller, account_id, export_id)))])
    relay = outbox_relay(engine, outbox, Dispatcher(audit, EventPublisher(notifications_channel)
                                                    if notifications_channel else None),
                         poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    # the appointments' and reminders' notices
    reminders_loop = Loop("agenda-reminders", lambda: scheduler.run_due(deps),
                          overrides.get("reminder_interval", settings.reminder_interval),
                          more_work=lambda handled: handled >= scheduler.BATCH).start()
    # the prevention reminders (a window opens, a month before it is overdue)
    prevention_loop = Loop("agenda-prevention-reminders", lambda: prevention_reminders.run_pass(deps),
                           overrides.get("prevention_interval", PREVENTION_INTERVAL_SECONDS),
                           more_work=lambda checked: checked >= prevention_reminders.BATCH).start()
    erasures = erasure_loop(identity, lambda account_id: subject_data.erase(subject, account_id),
                            overrides.get("erasure_interval", settings.erasure_interval_seconds)).start()

    def on_stop() -> None:
        erasures.stop()
        prevention_loop.stop()
        reminders_loop.stop()
        relay.stop()
        for channel in (identity, audit_channel, notifications_channel, token_channel):
            if channel is not None:
                channel.close()
    return kit, engine, on_stop
