"""The audit record builder and its two forms on the way to audit: the outbox payload and the proto."""
from __future__ import annotations

from datetime import datetime, timezone

from mes.audit.v1 import audit_pb2 as pb

from meskit import audit
from meskit.audit_client import record_pb
from meskit.auth import Caller
from meskit.logs import request_id_var

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
DOCTOR = Caller("professional", "pro-1", profession_code="10", rpps="10001")


def a_record(**overrides) -> audit.AuditRecord:
    values = dict(group=audit.GENERAL, resource_type="conversation", action=audit.READ, patient_id="p1",
                  allowed=True, rule="care_team", now=NOW, resource_id="c1", resource_label="Fil avec le Dr B")
    return audit.record(DOCTOR, **{**values, **overrides})


class TestRecord:
    def test_group_and_resource_type_are_the_callers_choice(self):
        record = a_record()
        assert (record.group, record.resource_type, record.resource_id) == (audit.GENERAL, "conversation", "c1")
        message = record_pb(record)
        assert message.group == pb.ACTIVITY_GROUP_GENERAL and message.resource_type == "conversation"

    def test_the_actor_comes_from_the_token_unless_the_service_knows_better(self):
        assert (a_record().profession_code, a_record().rpps) == ("10", "10001")
        better = a_record(profession_code="21", rpps="20002")
        assert (better.actor_type, better.actor_id, better.profession_code, better.rpps) == (
            "HEALTHCARE_PROFESSIONAL", "pro-1", "21", "20002")

    def test_carries_the_request_id_and_bounds_free_text(self):
        token = request_id_var.set("req-42")
        try:
            record = a_record(rule="r" * 300, resource_label="l" * 600, justification="j" * 3000)
        finally:
            request_id_var.reset(token)
        assert record.request_id == "req-42"
        assert (len(record.rule), len(record.resource_label), len(record.justification)) == (128, 500, 2000)

    def test_each_record_has_its_own_id(self):
        assert a_record().record_id != a_record().record_id


class TestOutboxPayload:
    def test_round_trips_with_the_event_id_as_record_id(self):
        record = a_record(access_mode="bris_de_glace", justification="urgence vitale", allowed=False)
        payload = record.to_payload()
        assert "record_id" not in payload
        assert audit.AuditRecord.from_payload(record.record_id, payload) == record

    def test_the_proto_says_what_was_decided_and_how(self):
        message = record_pb(a_record(access_mode="centre_15", allowed=False, action=audit.DOWNLOAD))
        assert (message.decision, message.access_mode, message.action) == (
            pb.DECISION_DENIED, pb.ACCESS_MODE_CENTRE_15, pb.ACTION_DOWNLOAD)
        assert message.occurred_at.ToDatetime(tzinfo=timezone.utc) == NOW
        assert message.actor.type == pb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL


class TestMatrixVersion:
    def test_the_matrix_version_travels_in_the_payload_and_the_proto(self):
        record = a_record(matrix_version="1-3f9a0c2b7d1e")
        assert audit.AuditRecord.from_payload(record.record_id, record.to_payload()).matrix_version == "1-3f9a0c2b7d1e"
        assert record_pb(record).matrix_version == "1-3f9a0c2b7d1e"

    def test_records_without_one_and_payloads_written_before_it_existed_have_none(self):
        record = a_record()
        assert record.matrix_version == "" and record_pb(record).matrix_version == ""
        older = {k: v for k, v in record.to_payload().items() if k != "matrix_version"}
        assert audit.AuditRecord.from_payload(record.record_id, older) == record


class TestCarriedVisibility:
    def test_a_records_restriction_survives_the_outbox_and_reaches_the_proto(self):
        until = datetime(2026, 4, 1, 9, 30, tzinfo=timezone.utc)
        visibility = audit.ResourceVisibility(patient_id="p1", resource_type="document", resource_id="d1",
                                              hidden_from_patient_until=until, hidden_from_legal_representatives=True,
                                              as_of=NOW)
        record = a_record(visibility=visibility)
        again = audit.AuditRecord.from_payload(record.record_id, record.to_payload())
        assert again == record
        message = record_pb(record)
        assert message.visibility.hidden_from_patient_until.ToDatetime(timezone.utc) == until
        assert message.visibility.hidden_from_legal_representatives and message.visibility.resource_id == "d1"

    def test_without_one_the_payload_is_as_before_and_the_proto_carries_none(self):
        record = a_record()
        assert "visibility" not in record.to_payload()
        assert audit.AuditRecord.from_payload(record.record_id, record.to_payload()) == record
        assert not record_pb(record).HasField("visibility")

    def test_a_lifted_restriction_has_no_date(self):
        lifted = audit.ResourceVisibility(patient_id="p1", resource_type="document", resource_id="d1", as_of=NOW)
        assert audit.ResourceVisibility.from_payload(lifted.to_payload()) == lifted
