"""Notifications words exactly the event types that meskit.events defines, no more, no less."""
from __future__ import annotations

import dataclasses

from meskit import events

from notifications.domain.catalog import NOTICES, PROFESSIONAL_NOTICES


def test_every_defined_event_type_has_a_notice_and_every_notice_a_payload():
    assert set(NOTICES) == set(events.PAYLOADS)


def test_the_events_that_carry_a_recipient_come_from_identity_only():
    assert events.WITH_RECIPIENT <= {t for t, n in NOTICES.items() if n.producers == {"identity"}}


def test_the_critical_events_are_critical_notices():
    assert {t for t, n in NOTICES.items() if n.critical} == events.CRITICAL


def test_only_identitys_account_events_tell_nobody():
    """Every other event tells someone: the patient's side on some channel, or professionals."""
    silent = {t for t, n in NOTICES.items()
              if not (n.bell or n.push or n.email or n.postal) and t not in PROFESSIONAL_NOTICES}
    assert silent == set(events.ACCOUNT_EVENTS[1:])
    assert {t for t, n in NOTICES.items() if n.facts_only} == silent


def test_the_announcement_reminder_goes_to_its_author_alone():
    reminder = NOTICES[events.RAPPEL_CONSULTATION_ANNONCE]
    assert not (reminder.bell or reminder.push or reminder.email or reminder.postal or reminder.facts_only)
    assert events.RAPPEL_CONSULTATION_ANNONCE in PROFESSIONAL_NOTICES


def test_professional_notices_read_their_addresses_from_fields_the_payload_defines():
    for event_type, notice in PROFESSIONAL_NOTICES.items():
        fields = {f.name for f in dataclasses.fields(events.PAYLOADS[event_type])}
        assert notice.address_field in fields, event_type
        assert notice.critical == (event_type in events.CRITICAL), event_type
