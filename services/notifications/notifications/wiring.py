"""Composition root of notifications: build(settings, **overrides) -> (KitServer, engine, on_stop)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from mes.lifecycle.v1 import lifecycle_pb2_grpc
from mes.notifications.v1 import notifications_pb2_grpc

from meskit import db, objects
from meskit.config import ConfigError
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server

from notifications.adapters.bell_hub import BellHub
from notifications.adapters.letters import PrintShop
from notifications.adapters.letters_repository import LettersRepository
from notifications.adapters.mail import MailRenderer
from notifications.adapters.operations import OperationsRepository
from notifications.adapters.queue import DeliveryQueue
from notifications.adapters.repository import NotificationsRepository
from notifications.adapters.smtp import SmtpMailer
from notifications.adapters.subject_data import SubjectData
from notifications.adapters.webpush import WebPushProvider
from notifications.api.lifecycle_servicer import SubjectDataServicer
from notifications.api.servicer import NotificationsServicer
from notifications.config import NotificationsSettings
from notifications.domain.ports import Dependencies
from notifications.domain.routing import Preferences, retry_policies
from notifications.workers import Workers

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
log = logging.getLogger(__name__)


@dataclass
class Stores:
    """The repositories of one transaction."""
    people: NotificationsRepository
    letters: LettersRepository
    ops: OperationsRepository


def letter_store(settings: NotificationsSettings) -> objects.ObjectStore | None:
    store = objects.object_store(settings, settings.letters_dir)
    if store is not None:
        return store
    log.warning("no print file store (S3_ENDPOINT or LETTERS_DIR): letters wait until one is configured")
    return None


def _batch_time(value: str) -> time | None:
    if value.lower() == "off":
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"LETTER_BATCH_TIME: invalid value {value!r} (expected HH:MM or off)") from None


def default_preferences(value: str) -> Preferences:
    if value.lower() == "off":
        return Preferences(quiet_start=None, quiet_end=None)
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ConfigError(f"DEFAULT_QUIET_HOURS: invalid value {value!r} (expected HH:MM-HH:MM or off)") from None
    return Preferences(quiet_start=start, quiet_end=end)


def build(settings: NotificationsSettings, **overrides):
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    defaults = default_preferences(settings.default_quiet_hours)
    batch_time = _batch_time(settings.letter_batch_time)

    unit_of_work = db.unit_of_work(engine, lambda session: Stores(
        NotificationsRepository(session, defaults), LettersRepository(session), OperationsRepository(session)))

    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
                        password=settings.smtp_password, starttls=settings.smtp_starttls,
                        timeout=settings.smtp_timeout_seconds)
    push = None
    if settings.vapid_private_key_file:
        with open(settings.vapid_private_key_file, "rb") as handle:
            push = WebPushProvider(handle.read(), settings.vapid_subject)
    store = overrides.get("letter_store") or letter_store(settings)
    hub = BellHub(settings.database_url)
    deps = Dependencies(
        unit_of_work=unit_of_work, queue=DeliveryQueue(engine, settings.delivery_lease_seconds, settings.database_url),
        mail_renderer=MailRenderer(settings.mail_from, settings.public_url), new_mail_connection=mailer.connection,
        policies=retry_policies(settings.retry_base_seconds, settings.retry_max_seconds),
        public_url=settings.public_url, push=push,
        push_origins=[o for o in settings.push_allowed_origins.split(",") if o.strip()],
        print_shop=PrintShop(store, settings.public_url) if store is not None else None, bell_hub=hub,
        watch_slots=threading.BoundedSemaphore(max(1, settings.watch_max_streams)), default_preferences=defaults)
    workers = Workers(deps, email_workers=settings.email_workers, push_workers=settings.push_workers,
                      batch_size=settings.worker_batch_size, poll_seconds=settings.worker_poll_seconds,
                      letter_batch_time=batch_time,
                      letter_interval_seconds=settings.letter_batch_interval_seconds)
    kit = build_kit_server(
        service=settings.service_name, port=settings.grpc_port,
        verifier=overrides.get("verifier") or verifier_for(settings),
        registrations=[Registration(notifications_pb2_grpc.add_NotificationsServiceServicer_to_server,
                                    NotificationsServicer(mailer, settings.mail_from, deps),
                                    "mes.notifications.v1.NotificationsService"),
                       Registration(lifecycle_pb2_grpc.add_SubjectDataServiceServicer_to_server,
                                    SubjectDataServicer(SubjectData(engine)), "mes.lifecycle.v1.SubjectDataService")])
    hub.start()
    workers.start()

    def on_stop() -> None:
        workers.stop()
        hub.stop()
    return kit, engine, on_stop
