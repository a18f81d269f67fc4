"""The event envelope: one definition of each payload, checked on the way into the outbox and again
when PublishEvent receives it; the outbox row and the PublishEvent request carry the same event."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import pytest

from meskit import errors, events
from meskit.event_publisher import request_pb

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
LEA = events.Recipient(account_id="acc-1", given_name="Léa", family_name="Martin", email="lea@example.fr",
                       legal_representative_ids=("parent-1",), as_of=NOW, adult_on=date(2033, 1, 1), minor=True)


def fields_of(info) -> list[str]:
    return [v.field for v in info.value.violations]


def through_the_outbox(envelope: events.Envelope) -> events.Envelope:
    row = events.outbox_row(envelope)
    stored = json.loads(json.dumps(row["payload"]))          # what JSONB gives back
    assert row["aggregate_id"] == envelope.patient_id
    return events.from_outbox(str(row["event_id"]), row["event_type"], stored, created_at=NOW)


class TestRoundTrip:
    def test_an_account_event_and_its_recipient_come_back_unchanged(self):
        created = events.envelope(events.ACCOUNT_CREATED, "acc-1", events.AccountCreated(
            provisional_code="ABCDEF123456", opposition_deadline=datetime(2027, 1, 7, tzinfo=timezone.utc)),
            occurred_at=NOW, recipient=LEA)
        assert through_the_outbox(created) == created

    def test_an_emergency_access_is_critical_and_keeps_its_event_id(self):
        event_id = uuid.uuid4()
        access = events.envelope(events.ACCES_BRIS_GLACE, "p1", events.EmergencyAccess(
            actor_display="Dr Claire Bernard", professional_id="pro-1", access_mode="bris_de_glace",
            general_practitioner_ids=("gp-1",)), occurred_at=NOW, event_id=event_id)
        assert access.event_id == str(event_id) and access.critical
        assert through_the_outbox(access) == access

    def test_rows_written_before_the_envelope_still_read(self):
        """documents wrote patient_id inside the payload and no occurred_at on some rows."""
        old = events.from_outbox("e1", events.AJOUT_DOCUMENT, {"patient_id": "p1", "document_id": "d1",
                                                               "actor_display": "Dr B"}, created_at=NOW)
        assert (old.patient_id, old.occurred_at, old.payload) == (
            "p1", NOW, events.DocumentAdded(actor_display="Dr B", document_id="d1"))

    def test_the_publish_request_carries_the_same_event(self):
        created = events.envelope(events.CONTACT_CHANGED, "acc-1", events.AccountChanged(), occurred_at=NOW,
                                  recipient=LEA)
        request = request_pb(created)
        assert (request.event_id, request.event_type, request.patient_id, request.critical) == (
            created.event_id, "CONTACT_CHANGED", "acc-1", False)
        assert json.loads(request.payload_json) == {}
        assert request.occurred_at.ToDatetime(tzinfo=timezone.utc) == NOW
        assert (request.recipient.account_id, list(request.recipient.legal_representative_ids),
                request.recipient.adult_on, request.recipient.minor) == ("acc-1", ["parent-1"], "2033-01-01", True)

    def test_the_receiver_reads_the_payload_the_sender_wrote(self):
        sent = events.DocumentAdded(actor_display="Dr B", document_id="d1")
        request = request_pb(events.envelope(events.AJOUT_DOCUMENT, "p1", sent, occurred_at=NOW))
        assert events.payload_from(request.event_type, json.loads(request.payload_json)) == sent
        assert not request.HasField("recipient")


class TestValidation:
    def test_an_unknown_type_is_refused_on_both_sides(self):
        with pytest.raises(errors.InvalidArgument) as written:
            events.envelope("NOT_A_TYPE", "p1", events.ActorNotice(), occurred_at=NOW)
        with pytest.raises(errors.InvalidArgument) as received:
            events.payload_from("NOT_A_TYPE", {})
        assert written.value.reason == received.value.reason == "UNKNOWN_EVENT_TYPE"

    def test_a_missing_field_is_named(self):
        with pytest.raises(errors.InvalidArgument) as info:
            events.payload_from(events.ACCOUNT_CREATED, {"opposition_deadline": "2027-01-07T10:00:00+00:00"})
        assert fields_of(info) == ["payload_json.provisional_code"]

    def test_a_wrong_type_or_an_unknown_field_is_named(self):
        with pytest.raises(errors.InvalidArgument) as info:
            events.payload_from(events.ACCES_BRIS_GLACE, {
                "actor_display": 12, "general_practitioner_ids": "gp-1", "diagnosis": "secret"})
        assert sorted(fields_of(info)) == ["payload_json.actor_display", "payload_json.diagnosis",
                                           "payload_json.general_practitioner_ids"]

    def test_a_date_that_is_not_one_is_named(self):
        with pytest.raises(errors.InvalidArgument) as info:
            events.payload_from(events.ACCOUNT_CREATED, {"provisional_code": "X", "opposition_deadline": "bientôt"})
        assert fields_of(info) == ["payload_json.opposition_deadline"]

    def test_the_writer_is_held_to_the_type_of_its_event(self):
        with pytest.raises(errors.InvalidArgument) as info:
            events.envelope(events.AJOUT_DOCUMENT, "p1", events.ActorNotice(actor_display="Dr B"), occurred_at=NOW)
        assert fields_of(info) == ["payload"]

    def test_account_events_need_the_recipient(self):
        with pytest.raises(errors.InvalidArgument) as info:
            events.envelope(events.ACCOUNT_ACTIVATED, "acc-1", events.AccountChanged(), occurred_at=NOW)
        assert fields_of(info) == ["recipient"]

    def test_a_bad_recipient_in_an_outbox_row_is_named(self):
        row = {"patient_id": "acc-1", "recipient": {"account_id": "acc-1", "as_of": NOW.isoformat(), "minor": "yes"}}
        with pytest.raises(errors.InvalidArgument) as info:
            events.from_outbox("e1", events.CONTACT_CHANGED, row, created_at=NOW)
        assert fields_of(info) == ["recipient.minor"]
