"""Documents' outbox relay target (meskit.relay): audit records to audit, notices to notifications."""
from __future__ import annotations

from meskit.audit import MEDICAL_DOCUMENT
from meskit.audit_client import AuditClient
from meskit.event_publisher import EventPublisher
from meskit.relay import Dispatcher


def dispatcher(audit: AuditClient, notifications: EventPublisher | None) -> Dispatcher:
    # records written before they named their group are all documents'
    return Dispatcher(audit, notifications, record_defaults={"group": MEDICAL_DOCUMENT})
