"""The prevention calendar through gRPC, with the real identity (birth date, sex, delegations) and
audit: the home view and the lifetime list, filters and pages, one item, the person's marks, a
parent's view of a child's calendar after SwitchProfile, and refusals that change nothing."""
from __future__ import annotations

from datetime import date, timedelta

import grpc
from mes.agenda.v1 import agenda_pb2 as pb
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as ipb

from agenda_harness import refusal
from devtools.eventually import eventually
from meskit.auth import DELEGATE, Caller

AS_OF = "2026-12-02"
HOME_AT_80 = ["vac_pneumo_65.1", "vac_zona.1", "vac_rsv_senior.1", "glaucoma_screening.18", "dental_adult_annual.56",
              "vac_covid.16", "vac_flu.16", "dental_adult_annual.57", "glaucoma_screening.19", "vac_covid.17",
              "vac_flu.17"]


def test_the_home_view_of_an_80_year_old_lists_what_to_plan_by_window_start(astack):
    patient = astack.born("1946-03-14")
    me = astack.patient(patient)
    reply = astack.items(me, upcoming_only=True, statuses=[pb.PREVENTION_STATUS_TO_PLAN], as_of_date=AS_OF,
                         page_size=50)
    assert [i.item_id for i in reply.items][:len(HOME_AT_80)] == HOME_AT_80
    assert reply.next_page_token == ""
    glaucoma = next(i for i in reply.items if i.item_id == "glaucoma_screening.18")
    assert (glaucoma.code, glaucoma.type, glaucoma.occurrence, glaucoma.window_start, glaucoma.window_end,
            glaucoma.due_date, glaucoma.requirement_level, glaucoma.schedule_version) == (
        "glaucoma_screening", pb.PREVENTION_TYPE_PREV_OPHT, 18, "2025-03-14", "2027-03-14", "2025-03-14",
        pb.REQUIREMENT_LEVEL_RECOMMANDE, "2025")
    upcoming = astack.all_items(me, upcoming_only=True, as_of_date=AS_OF)
    assert all(not i.window_end or i.window_end > AS_OF for i in upcoming)
    assert {"vac_dtp_65_plus.3"} <= {i.item_id for i in upcoming if i.status == pb.PREVENTION_STATUS_NOT_SPECIFIED}


def test_the_lifetime_list_pages_and_filters_by_type(astack):
    patient = astack.born("1946-03-14")
    me = astack.patient(patient)
    first = astack.items(me, as_of_date=AS_OF, page_size=10)
    assert len(first.items) == 10 and first.next_page_token
    everything = astack.all_items(me, as_of_date=AS_OF)
    assert [i.item_id for i in everything[:10]] == [i.item_id for i in first.items]
    assert len({i.item_id for i in everything}) == len(everything) == 344
    assert [i.window_start for i in everything] == sorted(i.window_start for i in everything)
    assert everything[0].item_id == "child_exam_01.1" and everything[0].window_start == "1946-03-14"
    assert "screening_breast.13" in {i.item_id for i in everything}
    vaccinations = astack.all_items(me, as_of_date=AS_OF, types=[pb.PREVENTION_TYPE_CAR_VAC])
    assert vaccinations and {i.type for i in vaccinations} == {pb.PREVENTION_TYPE_CAR_VAC}
    dental = astack.all_items(me, as_of_date=AS_OF, types=[pb.PREVENTION_TYPE_PREV_DENT, pb.PREVENTION_TYPE_MT_DENTS])
    assert {i.code for i in dental} == {"mt_dents_triennial", "dental_adult_annual"}   # no annual M'T dents: 1949–1970


def test_a_man_has_no_breast_or_cervical_screening(astack):
    man = astack.born("1960-05-05", ipb.SEX_MALE)
    codes = {i.code for i in astack.all_items(astack.patient(man), types=[pb.PREVENTION_TYPE_EXAMEN_DEPISTAGE])}
    assert codes == {"screening_colorectal"}
    assert refusal(lambda: astack.get(astack.patient(man), "me", "screening_breast.1")) == (
        grpc.StatusCode.NOT_FOUND, "PREVENTION_ITEM_NOT_FOUND")


def test_done_with_a_date_then_not_done_then_undone(astack):
    patient = astack.born("1946-03-14")
    me = astack.patient(patient)
    done = astack.mark(me, patient, "glaucoma_screening.18", done=True, execution_date="2026-04-02")
    assert (done.status, done.execution_date, done.marked_at.seconds > 0) == (
        pb.PREVENTION_STATUS_DONE, "2026-04-02", True)
    listed = {i.item_id: i for i in astack.all_items(me, as_of_date=AS_OF)}
    assert listed["glaucoma_screening.18"].status == pb.PREVENTION_STATUS_DONE
    assert listed["glaucoma_screening.19"].status == pb.PREVENTION_STATUS_TO_PLAN
    not_done = astack.mark(me, "me", "glaucoma_screening.18", done=False)
    assert (not_done.status, not_done.execution_date) == (pb.PREVENTION_STATUS_NOT_DONE, "")
    assert astack.get(me, patient, "glaucoma_screening.18").status == pb.PREVENTION_STATUS_NOT_DONE
    undone = astack.mark(me, patient, "glaucoma_screening.18", clear=True)
    assert undone.status == pb.PREVENTION_STATUS_TO_PLAN and not undone.HasField("marked_at")
    assert astack.marks_stored(patient) == 0
    done_no_date = astack.mark(me, patient, "vac_zona.1", done=True)
    assert (done_no_date.status, done_no_date.execution_date) == (pb.PREVENTION_STATUS_DONE, "")
    actions = eventually(lambda: (lambda found: found if len(found) >= 4 else None)(
        [r.action for r in astack.records(patient) if r.resource_type == "prevention_item"]),
        what="the marks' audit records")
    assert sorted(actions) == sorted([apb.ACTION_CREATE, apb.ACTION_UPDATE, apb.ACTION_DELETE, apb.ACTION_CREATE])


def test_bad_marks_are_refused_and_change_nothing(astack):
    patient = astack.born("1990-06-01")
    me = astack.patient(patient)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for fields, expected in [
        ({"done": True, "execution_date": "1990-05-31"}, (grpc.StatusCode.INVALID_ARGUMENT, "EXECUTION_DATE")),
        ({"done": True, "execution_date": tomorrow}, (grpc.StatusCode.INVALID_ARGUMENT, "EXECUTION_DATE")),
        ({"done": True, "execution_date": "01/02/2020"}, (grpc.StatusCode.INVALID_ARGUMENT, "BAD_DATE")),
        ({"done": False, "execution_date": "2020-01-02"}, (grpc.StatusCode.INVALID_ARGUMENT, "EXECUTION_DATE")),
    ]:
        assert refusal(lambda: astack.mark(me, patient, "dental_adult_annual.1", **fields)) == expected
    for item_id in ("nope.1", "dental_adult_annual.999", "dental_adult_annual", "screening_breast.99"):
        assert refusal(lambda: astack.mark(me, patient, item_id, done=True)) == (
            grpc.StatusCode.NOT_FOUND, "PREVENTION_ITEM_NOT_FOUND")
    assert refusal(lambda: astack.items(me, as_of_date="demain")) == (grpc.StatusCode.INVALID_ARGUMENT, "BAD_DATE")
    assert refusal(lambda: astack.items(me, page_token="???")) == (grpc.StatusCode.INVALID_ARGUMENT, "PAGE_TOKEN")
    assert astack.marks_stored(patient) == 0


def test_someone_else_s_calendar_is_refused(astack):
    patient, stranger = astack.born("1970-01-01"), astack.born("1971-01-01")
    mine = astack.patient(stranger)
    denied = (grpc.StatusCode.PERMISSION_DENIED, "PROFILE_ACCESS")
    assert refusal(lambda: astack.items(mine, patient)) == denied
    assert refusal(lambda: astack.get(mine, patient, "dental_adult_annual.1")) == denied
    assert refusal(lambda: astack.mark(mine, patient, "dental_adult_annual.1", done=True)) == denied
    not_a_delegate = astack.token(Caller(DELEGATE, stranger, on_behalf_of=patient, delegation="CAREGIVING",
                                         scopes=("health_data",)))
    assert refusal(lambda: astack.items(not_a_delegate, patient)) == (
        grpc.StatusCode.PERMISSION_DENIED, "DELEGATION_NOT_IN_FORCE")
    assert astack.marks_stored(patient) == 0


def test_a_parent_sees_and_marks_his_child_s_calendar_after_switch_profile(astack):
    parent = astack.born("1982-04-04", ipb.SEX_MALE)
    astack.activate(parent)
    seventeen = date.today().replace(year=date.today().year - 17) - timedelta(days=30)
    child = astack.born(seventeen.isoformat(), legal_representative=parent)
    as_parent = astack.switched(parent, child)
    home = astack.all_items(as_parent, "me", upcoming_only=True, statuses=[pb.PREVENTION_STATUS_TO_PLAN])
    codes = {i.code for i in home}
    assert {"mt_dents_annual", "vac_hpv_catchup", "vac_menb_young_adult", "bilan_prevention_18_25"} <= codes
    assert not codes & {"dental_adult_annual", "glaucoma_screening", "child_exam_01"}
    item = next(i for i in home if i.code == "mt_dents_annual")
    marked = astack.mark(as_parent, child, item.item_id, done=True, execution_date=date.today().isoformat())
    assert marked.status == pb.PREVENTION_STATUS_DONE
    assert astack.get(astack.patient(child), child, item.item_id).status == pb.PREVENTION_STATUS_DONE
    record = eventually(lambda: next((r for r in astack.records(child) if r.resource_id == item.item_id), None),
                        what="the parent's mark recorded")
    assert (record.actor.id, record.actor.on_behalf_of, record.action, record.patient_id) == (
        parent, child, apb.ACTION_CREATE, child)
    assert refusal(lambda: astack.items(astack.patient(parent), child)) == (
        grpc.StatusCode.PERMISSION_DENIED, "PROFILE_ACCESS")    # his own token is for his own space


def test_a_caregiver_sees_and_marks_the_helped_person_s_calendar(astack):
    helped, caregiver = astack.born("1946-03-14"), astack.born("1975-05-05")
    astack.activate(caregiver)
    found = astack.identity.GetAccount(ipb.GetAccountRequest(account_id=caregiver), metadata=astack.operator,
                                       timeout=10)
    invited = astack.identity.CreateDelegation(ipb.CreateDelegationRequest(
        patient_id="me", type=ipb.DELEGATION_TYPE_CAREGIVING, delegate_family_name=found.family_name,
        delegate_given_name=found.given_name, delegate_birth_date=found.birth_date),
        metadata=astack.patient(helped), timeout=10)
    astack.identity.RespondToDelegation(ipb.RespondToDelegationRequest(
        delegation_id=invited.delegation_id, accept=True), metadata=astack.patient(caregiver), timeout=10)
    as_caregiver = astack.switched(caregiver, helped)
    home = astack.items(as_caregiver, helped, upcoming_only=True, statuses=[pb.PREVENTION_STATUS_TO_PLAN],
                        as_of_date=AS_OF, page_size=50)
    assert [i.item_id for i in home.items][:len(HOME_AT_80)] == HOME_AT_80
    marked = astack.mark(as_caregiver, "me", "vac_flu.16", done=True, execution_date="2026-11-02")
    assert marked.status == pb.PREVENTION_STATUS_DONE
    record = eventually(lambda: next((r for r in astack.records(helped) if r.resource_id == "vac_flu.16"), None),
                        what="the caregiver's mark recorded")
    assert (record.actor.id, record.actor.on_behalf_of, record.action) == (caregiver, helped, apb.ACTION_CREATE)
