"""Where each outbox event goes: AUDIT_RECORD and RESOURCE_VISIBILITY to audit, people's notices to
notifications.

One OutboxRelay (meskit.outbox) claims rows with SKIP LOCKED; a failed publish backs that row off
and the others go on, so a notifications outage never holds the audit trail back (and vice versa).
"""
from __future__ import annotations

import logging

from meskit.audit import AUDIT_RECORD, MEDICAL_DOCUMENT, RESOURCE_VISIBILITY, AuditRecord, ResourceVisibility
from meskit.audit_client import AuditClient
from meskit.event_publisher import EventPublisher
from meskit.outbox import Event


log = logging.getLogger("documents.relay")


class NotConfigured(RuntimeError):
    pass


class Dispatcher:
    def __init__(self, audit: AuditClient, notifications: EventPublisher | None):
        self._audit, self._notifications = audit, notifications

    def __call__(self, event: Event) -> None:
        if event.event_type == AUDIT_RECORD:
            # records written before they named their group are all documents'
            self._audit.relay(AuditRecord.from_payload(str(event.event_id), {"group": MEDICAL_DOCUMENT, **event.payload}))
            return
        if event.event_type == RESOURCE_VISIBILITY:       # which documents audit redacts (DOMAIN §10.3, §10.4)
            self._audit.set_visibility(ResourceVisibility.from_payload(event.payload))
            return
        if self._notifications is None:
            raise NotConfigured("NOTIFICATIONS_ADDR is not set: the notice waits in the outbox")
        self._notifications(event)
