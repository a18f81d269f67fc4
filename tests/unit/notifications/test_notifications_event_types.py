"""Notifications words exactly the event types that meskit.events defines, no more, no less."""
from __future__ import annotations

from meskit import events

from notifications.domain.catalog import NOTICES


def test_every_defined_event_type_has_a_notice_and_every_notice_a_payload():
    assert set(NOTICES) == set(events.PAYLOADS)


def test_only_identitys_account_events_carry_a_recipient():
    assert {t for t, n in NOTICES.items() if n.producers == {"identity"}} == events.WITH_RECIPIENT


def test_the_critical_events_are_critical_notices():
    assert {t for t, n in NOTICES.items() if n.critical} == events.CRITICAL
