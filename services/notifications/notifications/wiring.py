"""Composition root of notifications."""
from __future__ import annotations

from pathlib import Path

from mes.notifications.v1 import notifications_pb2_grpc

from meskit import db
from meskit.runner import verifier_for
from meskit.server import Registration, build_server as build_kit_server

from notifications.adapters.smtp import SmtpMailer
from notifications.api.servicer import NotificationsServicer
from notifications.config import NotificationsSettings

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


def build(settings: NotificationsSettings, **overrides):
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
                        password=settings.smtp_password, starttls=settings.smtp_starttls,
                        timeout=settings.smtp_timeout_seconds)
    kit = build_kit_server(
        service=settings.service_name, port=settings.grpc_port,
        verifier=overrides.get("verifier") or verifier_for(settings),
        registrations=[Registration(notifications_pb2_grpc.add_NotificationsServiceServicer_to_server,
                                    NotificationsServicer(mailer, settings.mail_from),
                                    "mes.notifications.v1.NotificationsService")])
    return kit, engine, lambda: None
