"""Where each outbox event goes: AUDIT_RECORD rows to audit, people's notices to notifications.

A service writes its outbox only through `meskit.outbox.add_audit_record` (type AUDIT_RECORD),
`meskit.outbox.add_resource_visibility` (type RESOURCE_VISIBILITY, for audit too) and
`meskit.outbox.add_envelope` (a type of `meskit.events.PAYLOADS`), so `ROUTED` is every type a row
can have, and one relay built with `outbox_relay` hands every row to where it goes (the rule test
tests/unit/rules/test_rules_outbox.py keeps it so). One OutboxRelay claims rows with SKIP LOCKED; a
failed publish backs that row off and the others go on, so a notifications outage never holds the
audit trail back (and vice versa), and nothing is lost.
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meskit import events
from meskit.audit import AUDIT_RECORD, RESOURCE_VISIBILITY, AuditRecord, ResourceVisibility
from meskit.audit_client import AuditClient
from meskit.event_publisher import EventPublisher
from meskit.outbox import Event, OutboxRelay

AUDIT, AUDIT_VISIBILITY, NOTIFICATIONS = "audit", "audit_visibility", "notifications"
ROUTED: Mapping[str, str] = {AUDIT_RECORD: AUDIT, RESOURCE_VISIBILITY: AUDIT_VISIBILITY,
                             **{t: NOTIFICATIONS for t in events.PAYLOADS}}


class NotRouted(RuntimeError):
    """The row waits in the outbox (backing off) until a relay knows where it goes."""


class Dispatcher:
    """`record_defaults`: fields of audit records written before they carried them (documents' group)."""

    def __init__(self, audit: AuditClient, notifications: EventPublisher | None, *,
                 record_defaults: Mapping[str, str] | None = None):
        self._audit, self._notifications = audit, notifications
        self._record_defaults = dict(record_defaults or {})

    def __call__(self, event: Event) -> None:
        target = ROUTED.get(event.event_type)
        if target == AUDIT:
            self._audit.relay(AuditRecord.from_payload(str(event.event_id), {**self._record_defaults, **event.payload}))
        elif target == AUDIT_VISIBILITY:
            self._audit.set_visibility(ResourceVisibility.from_payload(event.payload))
        elif target == NOTIFICATIONS:
            if self._notifications is None:
                raise NotRouted("NOTIFICATIONS_ADDR is not set: the notice waits in the outbox")
            self._notifications(event)
        else:
            raise NotRouted(f"no destination for outbox events of type {event.event_type}")


def outbox_relay(engine: Engine, table: sa.Table, dispatcher: Dispatcher, **options) -> OutboxRelay:
    """The one relay of a service's outbox: every row, whatever its type, goes to the dispatcher."""
    if not isinstance(dispatcher, Dispatcher):
        raise TypeError("a service's outbox is relayed by a meskit.relay.Dispatcher, which routes every type")
    return OutboxRelay(engine, table, dispatcher, **options)
