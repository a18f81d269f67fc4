"""Envelopes and audit records written to a real outbox: once per id, and relayed as they were written."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from meskit import audit, db, events
from meskit.auth import Caller
from meskit.outbox import Event, OutboxRelay, add_audit_record, add_envelope

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def relayed(engine, table) -> list[Event]:
    seen: list[Event] = []
    OutboxRelay(engine, table, seen.append).relay_once()
    return seen


def test_an_access_notice_is_written_once_per_id_and_relays_as_written(outbox):
    engine, table = outbox
    notice = events.envelope(events.ACCES_DMP_PS, "p1", events.ProfessionalAccess(
        actor_display="Dr Claire Bernard", professional_id="pro-1"), occurred_at=NOW, event_id=uuid.uuid4())
    with db.make_session_factory(engine).begin() as session:
        first = add_envelope(session, table, notice, once=True)
        again = add_envelope(session, table, notice, once=True)
    assert (first, again) == (True, False)
    (event,) = relayed(engine, table)
    assert events.from_outbox(str(event.event_id), event.event_type, event.payload, event.created_at) == notice


def test_a_change_audit_record_keeps_its_id_as_the_event_id(outbox):
    engine, table = outbox
    record = audit.record(Caller("patient", "p1"), group=audit.GENERAL, resource_type="access_settings",
                          action=audit.SETTINGS_CHANGE, patient_id="p1", allowed=True, rule="patient_owner", now=NOW)
    with db.make_session_factory(engine).begin() as session:
        assert add_audit_record(session, table, record)
        assert not add_audit_record(session, table, record)
    (event,) = relayed(engine, table)
    assert event.event_type == audit.AUDIT_RECORD
    assert audit.AuditRecord.from_payload(str(event.event_id), event.payload) == record
