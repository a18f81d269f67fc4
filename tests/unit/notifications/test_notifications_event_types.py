"""Notifications words exactly the event types that meskit.events defines, no more, no less."""
from __future__ import annotations

from meskit import events

from notifications.domain.catalog import NOTICES


def test_every_defined_event_type_has_a_notice_and_every_notice_a_payload():
    assert set(NOTICES) == set(events.PAYLOADS)


def test_the_events_that_carry_a_recipient_come_from_identity_only():
    assert events.WITH_RECIPIENT <= {t for t, n in NOTICES.items() if n.producers == {"identity"}}


def test_the_critical_events_are_critical_notices():
    assert {t for t, n in NOTICES.items() if n.critical} == events.CRITICAL
