"""A connected app's accesses in the holder's history (DOMAIN §9): actor SERVICE_TIERS, shown with
the app's name and what it is ("GlycoSuivi (service connecté)"), to her and to whoever acts for her
alike; operators and the proofs see the record as stored."""
from __future__ import annotations

from mes.audit.v1 import audit_pb2 as pb

from audit_harness import record
from meskit.auth import DELEGATE

P = "patient-apps"
GLYCO = pb.Actor(type=pb.ACTOR_TYPE_SERVICE_TIERS, id="app-glyco", display_name="GlycoSuivi")
SHOWN = "GlycoSuivi (service connecté)"


def app_records(audit) -> list[pb.Record]:
    return audit.append(
        record(0, patient_id=P, actor=GLYCO, action=pb.ACTION_CREATE, resource_label="Rapport glycémique"),
        record(1, patient_id=P, actor=pb.Actor(type=pb.ACTOR_TYPE_SERVICE_TIERS, id="app-unnamed"),
               action=pb.ACTION_CREATE),
        record(2, patient_id=P, actor_id="pro-gp"))


def names(response) -> list[str]:
    return [r.actor.display_name for r in response.records]


class TestAppsInTheHistory:
    def test_the_holder_sees_the_app_named_as_a_connected_service(self, audit):
        app_records(audit)
        listed = audit.stub.ListActivity(pb.ListActivityRequest(patient_id=P, oldest_first=True),
                                         metadata=audit.patient(P))
        assert names(listed) == [SHOWN, "Service connecté", "Dr Paul Bernard"]
        assert [r.actor.type for r in listed.records[:2]] == [pb.ACTOR_TYPE_SERVICE_TIERS] * 2
        only_apps = audit.stub.ListActivity(pb.ListActivityRequest(
            patient_id=P, actor_types=[pb.ACTOR_TYPE_SERVICE_TIERS]), metadata=audit.patient(P))
        assert sorted(r.actor.id for r in only_apps.records) == ["app-glyco", "app-unnamed"]

    def test_her_representative_sees_it_the_same(self, audit):
        app_records(audit)
        listed = audit.stub.ListActivity(pb.ListActivityRequest(patient_id=P, oldest_first=True),
                                         metadata=audit.as_(DELEGATE, "mum", on_behalf_of=P))
        assert names(listed)[:2] == [SHOWN, "Service connecté"]

    def test_one_record_reads_the_same_and_keeps_its_leaf(self, audit):
        appended = app_records(audit)[0]
        got = audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=appended.record_id),
                                   metadata=audit.patient(P))
        assert got.actor.display_name == SHOWN
        assert (got.leaf_index, got.leaf_hash) == (appended.leaf_index, appended.leaf_hash)

    def test_operators_see_the_record_as_stored(self, audit):
        app_records(audit)
        found = audit.stub.SearchRecords(pb.SearchRecordsRequest(actor_id="app-glyco"), metadata=audit.operator)
        assert names(found) == ["GlycoSuivi"]
