"""The patient's activity history and operators' search: who may read, filters, pages."""
from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as pb

from audit_harness import T0, code_of, record
from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, SUPPORT

P = "patient-1"


@pytest.fixture
def history(audit):
    """Ten records of patient-1 one minute apart, and two of another patient."""
    records = audit.append(
        record(0, actor_type=pb.ACTOR_TYPE_PATIENT, actor_id=P, action=pb.ACTION_LOGIN, group=pb.ACTIVITY_GROUP_GENERAL),
        record(1, actor_id="pro-gp"),
        record(2, actor_id="pro-pharmacist", actor=pb.Actor(type=pb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL,
                                                            id="pro-pharmacist", profession_code="21")),
        record(3, actor_id="pro-gp", action=pb.ACTION_CREATE),
        record(4, actor=pb.Actor(type=pb.ACTOR_TYPE_PATIENT, id="delegate-daughter", on_behalf_of=P,
                                 display_name="Sophie Martin"), action=pb.ACTION_DOWNLOAD),
        record(5, actor_id="pro-gp", decision=pb.DECISION_DENIED, rule="blocked_by_patient"),
        record(6, actor_id="pro-kine"),
        record(7, actor_type=pb.ACTOR_TYPE_SUPPORT, actor_id="support-3", action=pb.ACTION_SETTINGS_CHANGE,
               group=pb.ACTIVITY_GROUP_GENERAL),
        record(8, actor_id="pro-gp", access_mode=pb.ACCESS_MODE_BRIS_DE_GLACE, action=pb.ACTION_EMERGENCY_ACCESS,
               justification="Patiente inconsciente"),
        record(9, actor_id="pro-gp"),
        record(3, patient_id="patient-2", actor_id="pro-gp"),
        record(4, patient_id="patient-2", actor_id="pro-kine"),
    )
    return records


def listed(audit, caller_metadata=None, **fields) -> pb.ListActivityResponse:
    return audit.stub.ListActivity(pb.ListActivityRequest(patient_id=fields.pop("patient_id", P), **fields),
                                   metadata=caller_metadata or audit.patient(P))


def minutes_of(response) -> list[int]:
    return [int((r.occurred_at.ToDatetime().replace(tzinfo=T0.tzinfo) - T0) / timedelta(minutes=1))
            for r in response.records]


class TestWhoMayList:
    def test_the_patient_lists_their_own_activity_newest_first(self, audit, history):
        assert minutes_of(listed(audit)) == list(range(9, -1, -1))

    def test_a_delegate_lists_the_activity_of_the_patient_they_act_for(self, audit, history):
        response = listed(audit, audit.as_(DELEGATE, "delegate-daughter", on_behalf_of=P))
        assert len(response.records) == 10

    @pytest.mark.parametrize(("actor", "claims"), [(PROFESSIONAL, {"profession_code": "10"}), (SERVICE, {}),
                                                   (OPERATOR, {}), (SUPPORT, {})])
    def test_nobody_else_lists_a_patients_activity(self, audit, history, actor, claims):
        assert code_of(lambda: listed(audit, audit.as_(actor, "someone", **claims))) == grpc.StatusCode.PERMISSION_DENIED

    def test_a_patient_cannot_list_another_patients_activity(self, audit, history):
        assert code_of(lambda: listed(audit, audit.patient("patient-2"))) == grpc.StatusCode.PERMISSION_DENIED
        assert code_of(lambda: listed(audit, audit.as_(DELEGATE, "d", on_behalf_of="patient-2"))) \
            == grpc.StatusCode.PERMISSION_DENIED

    def test_delegates_actions_show_as_theirs(self, audit, history):
        (download,) = listed(audit, actions=[pb.ACTION_DOWNLOAD]).records
        assert (download.actor.id, download.actor.on_behalf_of, download.actor.display_name) == \
            ("delegate-daughter", P, "Sophie Martin")

    def test_get_record_returns_one_of_the_patients_records_only(self, audit, history):
        mine, theirs = history[3], history[10]
        got = audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=mine.record_id),
                                   metadata=audit.patient(P))
        assert got == mine
        assert code_of(lambda: audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=theirs.record_id),
                                                    metadata=audit.patient(P))) == grpc.StatusCode.NOT_FOUND

    def test_a_service_reads_one_record_of_the_patient_it_names(self, audit, history):
        mine, theirs = history[3], history[10]
        assert audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=mine.record_id),
                                    metadata=audit.service) == mine
        assert code_of(lambda: audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=theirs.record_id),
                                                    metadata=audit.service)) == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: audit.stub.GetRecord(pb.GetRecordRequest(record_id=mine.record_id),
                                                    metadata=audit.service)) == grpc.StatusCode.PERMISSION_DENIED


class TestFilters:
    def test_by_actor_type(self, audit, history):
        assert minutes_of(listed(audit, actor_types=[pb.ACTOR_TYPE_PATIENT])) == [4, 0]
        assert minutes_of(listed(audit, actor_types=[pb.ACTOR_TYPE_SUPPORT, pb.ACTOR_TYPE_PATIENT])) == [7, 4, 0]

    def test_by_professional(self, audit, history):
        assert minutes_of(listed(audit, professional_id="pro-gp")) == [9, 8, 5, 3, 1]
        assert minutes_of(listed(audit, professional_id="pro-gp", actor_types=[pb.ACTOR_TYPE_PATIENT])) == []

    def test_by_action_and_group(self, audit, history):
        assert minutes_of(listed(audit, actions=[pb.ACTION_CREATE, pb.ACTION_EMERGENCY_ACCESS])) == [8, 3]
        assert minutes_of(listed(audit, groups=[pb.ACTIVITY_GROUP_GENERAL])) == [7, 0]

    def test_by_date_range_start_inclusive_end_exclusive(self, audit, history):
        request = pb.ListActivityRequest(patient_id=P)
        request.start_time.FromDatetime(T0 + timedelta(minutes=2))
        request.end_time.FromDatetime(T0 + timedelta(minutes=5))
        assert minutes_of(audit.stub.ListActivity(request, metadata=audit.patient(P))) == [4, 3, 2]

    def test_an_empty_range_is_refused(self, audit, history):
        request = pb.ListActivityRequest(patient_id=P)
        request.start_time.FromDatetime(T0 + timedelta(minutes=5))
        request.end_time.FromDatetime(T0 + timedelta(minutes=5))
        assert code_of(lambda: audit.stub.ListActivity(request, metadata=audit.patient(P))) \
            == grpc.StatusCode.INVALID_ARGUMENT

    def test_the_record_carries_the_rule_the_mode_and_the_justification(self, audit, history):
        (emergency,) = listed(audit, actions=[pb.ACTION_EMERGENCY_ACCESS]).records
        assert (emergency.access_mode, emergency.justification, emergency.actor.rpps) == \
            (pb.ACCESS_MODE_BRIS_DE_GLACE, "Patiente inconsciente", "10101234567")
        (denied,) = [r for r in listed(audit).records if r.decision == pb.DECISION_DENIED]
        assert denied.rule == "blocked_by_patient"


class TestPages:
    def test_pages_cover_everything_once_newest_first(self, audit, history):
        seen, token = [], ""
        while True:
            response = listed(audit, page_size=3, page_token=token)
            seen += minutes_of(response)
            token = response.next_page_token
            if not token:
                break
        assert seen == list(range(9, -1, -1))

    def test_oldest_first_pages_too(self, audit, history):
        first = listed(audit, page_size=4, oldest_first=True)
        second = listed(audit, page_size=4, oldest_first=True, page_token=first.next_page_token)
        assert minutes_of(first) + minutes_of(second) == list(range(8))

    def test_records_at_the_same_instant_keep_a_stable_order(self, audit):
        audit.append(*[record(0, minutes=0) for _ in range(5)])
        one = listed(audit, page_size=2)
        two = listed(audit, page_size=2, page_token=one.next_page_token)
        three = listed(audit, page_size=2, page_token=two.next_page_token)
        indexes = [r.leaf_index for page in (one, two, three) for r in page.records]
        assert indexes == [4, 3, 2, 1, 0]

    def test_a_token_only_continues_its_own_query(self, audit, history):
        token = listed(audit, page_size=2).next_page_token
        assert code_of(lambda: listed(audit, page_size=2, page_token=token, actions=[pb.ACTION_READ])) \
            == grpc.StatusCode.INVALID_ARGUMENT
        assert code_of(lambda: listed(audit, page_token="garbage!")) == grpc.StatusCode.INVALID_ARGUMENT


class TestSearchRecords:
    def test_operators_and_support_search_across_patients_by_actor(self, audit, history):
        for caller in (audit.operator, audit.as_(SUPPORT, "support-1")):
            found = audit.stub.SearchRecords(pb.SearchRecordsRequest(actor_id="pro-kine"), metadata=caller)
            assert sorted(r.patient_id for r in found.records) == [P, "patient-2"]

    def test_search_by_patient_and_decision(self, audit, history):
        found = audit.stub.SearchRecords(pb.SearchRecordsRequest(patient_id=P, decision=pb.DECISION_DENIED),
                                         metadata=audit.operator)
        assert [r.rule for r in found.records] == ["blocked_by_patient"]

    @pytest.mark.parametrize("actor", [PATIENT, PROFESSIONAL, DELEGATE, SERVICE])
    def test_nobody_else_searches(self, audit, history, actor):
        assert code_of(lambda: audit.stub.SearchRecords(pb.SearchRecordsRequest(patient_id=P),
                                                        metadata=audit.as_(actor, P, **(
                                                            {"on_behalf_of": P} if actor == DELEGATE else {})))) \
            == grpc.StatusCode.PERMISSION_DENIED
