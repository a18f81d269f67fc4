"""Restricted resources in the patient's history (DOMAIN §10.3 embargo, §10.4 minor's secrecy):
SetResourceVisibility and restrictions carried by records; the neutral label while embargoed, the
details after; records hidden from legal representatives never reach delegates; proofs still verify."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from audit_harness import T0, code_of, record, start_audit
from devtools.rpc_errors import error_details, error_of
from meskit.auth import DELEGATE
from test_audit_proofs import root_from_path

P = "patient-1"
PENDING = "Document en attente de consultation d'annonce"
FUTURE = datetime.now(timezone.utc) + timedelta(days=20)


def restriction(resource_id: str, *, until: datetime | None = None, hidden_lr: bool = False, as_of: datetime = T0,
                patient_id: str = P) -> pb.ResourceVisibility:
    v = pb.ResourceVisibility(patient_id=patient_id, resource_type="document", resource_id=resource_id,
                              hidden_from_legal_representatives=hidden_lr)
    v.as_of.FromDatetime(as_of)
    if until is not None:
        v.hidden_from_patient_until.FromDatetime(until)
    return v


def set_visibility(audit, v: pb.ResourceVisibility) -> bool:
    return audit.stub.SetResourceVisibility(pb.SetResourceVisibilityRequest(visibility=v),
                                            metadata=audit.service).applied


def history(audit, metadata=None, **fields) -> list[pb.Record]:
    return list(audit.stub.ListActivity(pb.ListActivityRequest(patient_id=P, page_size=200, **fields),
                                        metadata=metadata or audit.patient(P)).records)


def delegate(audit):
    return audit.as_(DELEGATE, "parent-1", on_behalf_of=P)


class TestEmbargoedResource:
    def test_the_deposit_carrying_its_embargo_is_shown_neutral_then_in_full_after_the_lift(self, audit):
        deposit = record(1, action=pb.ACTION_CREATE, resource_id="doc-onco", resource_label="Biopsie : carcinome",
                         visibility=restriction("doc-onco", until=FUTURE))
        other = record(2, resource_id="doc-other")
        audit.append(deposit, other)
        for metadata in (audit.patient(P), delegate(audit)):
            shown = {r.record_id: r for r in history(audit, metadata)}
            pending = shown[deposit.record_id]
            assert pending.resource_label == PENDING and pending.action == pb.ACTION_CREATE
            assert pending.occurred_at == deposit.occurred_at and pending.decision == pb.DECISION_ALLOWED
            assert (pending.actor.type, pending.actor.id, pending.actor.display_name, pending.actor.rpps,
                    pending.actor.profession_code) == (pb.ACTOR_TYPE_UNSPECIFIED, "", "", "", "")
            assert (pending.resource_id, pending.rule, pending.access_mode) == ("", "", pb.ACCESS_MODE_UNSPECIFIED)
            assert shown[other.record_id].resource_label == "Compte rendu 2"
        got = audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=deposit.record_id),
                                   metadata=audit.patient(P))
        assert got.resource_label == PENDING and got.actor.id == ""
        # operators see it as stored
        searched = audit.stub.SearchRecords(pb.SearchRecordsRequest(patient_id=P), metadata=audit.operator).records
        assert {r.resource_label for r in searched} == {"Biopsie : carcinome", "Compte rendu 2"}

        lift = restriction("doc-onco", as_of=T0 + timedelta(days=3))
        assert set_visibility(audit, lift) is True
        full = {r.record_id: r for r in history(audit)}[deposit.record_id]
        assert (full.resource_label, full.actor.id, full.resource_id) == ("Biopsie : carcinome", "pro-gp", "doc-onco")

    def test_filters_on_the_actor_or_the_resource_never_match_a_redacted_record(self, audit):
        audit.append(record(1, action=pb.ACTION_CREATE, resource_id="doc-onco", actor_id="pro-onco",
                            visibility=restriction("doc-onco", until=FUTURE)),
                     record(2, actor_id="pro-gp", resource_id="doc-2"))
        assert history(audit, professional_id="pro-onco") == []
        assert history(audit, resource_type="document", resource_id="doc-onco") == []
        assert [r.actor.id for r in history(audit, actor_types=[pb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL])] == ["pro-gp"]
        assert len(history(audit, actions=[pb.ACTION_CREATE])) == 1

    def test_a_redacted_record_still_proves_included(self, audit):
        (stored,) = audit.append(record(1, resource_id="doc-onco", visibility=restriction("doc-onco", until=FUTURE)))
        (shown,) = history(audit)
        assert shown.resource_label == PENDING and shown.leaf_hash == stored.leaf_hash
        proof = audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(record_id=shown.record_id),
                                             metadata=audit.patient(P))
        assert proof.leaf_hash == shown.leaf_hash
        assert root_from_path(proof.leaf_index, proof.tree_size, shown.leaf_hash, proof.audit_path) \
            == proof.tree_head.root_hash

    def test_an_embargo_past_its_date_shows_the_details(self, audit):
        past = datetime.now(timezone.utc) - timedelta(minutes=1)
        audit.append(record(1, resource_id="doc-1", visibility=restriction("doc-1", until=past)))
        assert [r.resource_label for r in history(audit)] == ["Compte rendu 1"]


class TestOrdering:
    def test_an_older_restriction_arriving_late_changes_nothing(self, audit):
        assert set_visibility(audit, restriction("doc-1", as_of=T0 + timedelta(days=2))) is True   # lifted
        late = record(1, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE, as_of=T0))
        audit.append(late)
        assert set_visibility(audit, restriction("doc-1", until=FUTURE, as_of=T0)) is False
        assert [r.resource_label for r in history(audit)] == ["Compte rendu 1"]

    def test_a_replayed_record_and_restriction_are_idempotent(self, audit):
        deposit = record(1, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE))
        audit.append(deposit)
        audit.append(deposit)
        assert set_visibility(audit, restriction("doc-1", until=FUTURE)) is False
        assert [r.resource_label for r in history(audit)] == [PENDING]


class TestCarriedByRecords:
    """Restrictions that only records carry (applied in the append's own transaction)."""

    def test_the_history_follows_each_change_a_record_carries_at_once(self, audit):
        audit.append(record(1, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE)))
        assert [r.resource_label for r in history(audit)] == [PENDING]
        audit.append(record(2, resource_id="doc-1", visibility=restriction("doc-1", as_of=T0 + timedelta(days=1))))
        assert [r.resource_label for r in history(audit)] == ["Compte rendu 2", "Compte rendu 1"]
        audit.append(record(3, resource_id="doc-1",
                            visibility=restriction("doc-1", hidden_lr=True, as_of=T0 + timedelta(days=2))))
        assert history(audit, delegate(audit)) == []

    def test_two_records_of_one_call_about_one_resource_leave_the_newer_restriction(self, audit):
        lift = record(2, resource_id="doc-1", visibility=restriction("doc-1", as_of=T0 + timedelta(days=1)))
        audit.append(lift, record(1, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE)))
        assert [r.resource_label for r in history(audit)] == ["Compte rendu 2", "Compte rendu 1"]

    def test_two_replicas_each_apply_what_their_records_carry_newest_first(self, audit, signing_key, log_key_file,
                                                                           tmp_path):
        _, _, second = start_audit(audit.database_url, signing_key, log_key_file, tmp_path)
        audit.servers.append(second)
        channel = grpc.insecure_channel(f"127.0.0.1:{second[0].port}")
        other = audit_pb2_grpc.AuditServiceStub(channel)

        def append_to_other(*records: pb.Record) -> None:
            other.AppendRecords(pb.AppendRecordsRequest(records=records), metadata=audit.service)
        try:
            audit.append(record(1, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE)))
            lift = restriction("doc-1", as_of=T0 + timedelta(days=1))
            append_to_other(record(2, resource_id="doc-1", visibility=lift))
            assert [r.resource_label for r in history(audit)] == ["Compte rendu 2", "Compte rendu 1"]
            # late, from the first replica: older than the lift, it changes nothing
            audit.append(record(3, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE)))
            assert PENDING not in {r.resource_label for r in history(audit)}
            # embargoed again, as the first replica had it: hidden again, whichever replica is asked
            audit.append(record(4, resource_id="doc-1",
                                visibility=restriction("doc-1", until=FUTURE, as_of=T0 + timedelta(days=2))))
            asked_other = other.ListActivity(pb.ListActivityRequest(patient_id=P, page_size=200),
                                             metadata=audit.patient(P)).records
            assert {r.resource_label for r in asked_other} == {r.resource_label for r in history(audit)} == {PENDING}
        finally:
            channel.close()

    def test_an_erasure_keeps_the_restriction_for_the_records_that_follow(self, audit):
        audit.append(record(1, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE)))
        erased = audit.stub.EraseRecordPersonalData(pb.EraseRecordPersonalDataRequest(patient_id=P, reason="test"),
                                                    metadata=audit.operator)
        assert erased.erased_count == 1 and history(audit) == []
        audit.append(record(2, resource_id="doc-1", visibility=restriction("doc-1", until=FUTURE)),
                     record(3, resource_id="doc-2"))
        assert [r.resource_label for r in history(audit)] == ["Compte rendu 3", PENDING]


class TestHiddenFromLegalRepresentatives:
    def test_delegates_never_see_the_records_the_minor_does(self, audit):
        secret = record(1, resource_id="doc-ivg", resource_label="Consultation confidentielle",
                        visibility=restriction("doc-ivg", hidden_lr=True))
        visible = record(2, resource_id="doc-2")
        audit.append(secret, visible)
        assert [r.record_id for r in history(audit, delegate(audit))] == [visible.record_id]
        assert [r.resource_label for r in history(audit)] == ["Compte rendu 2", "Consultation confidentielle"]
        assert code_of(lambda: audit.stub.GetRecord(pb.GetRecordRequest(patient_id=P, record_id=secret.record_id),
                                                    metadata=delegate(audit))) == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(record_id=secret.record_id),
                                                            metadata=delegate(audit))) == grpc.StatusCode.NOT_FOUND
        first = audit.stub.ListActivity(pb.ListActivityRequest(patient_id=P, page_size=1), metadata=delegate(audit))
        assert [r.record_id for r in first.records] == [visible.record_id] and first.next_page_token == ""


class TestRefusals:
    def test_only_services_set_visibility(self, audit):
        call = audit.stub.SetResourceVisibility
        request = pb.SetResourceVisibilityRequest(visibility=restriction("doc-1"))
        assert code_of(lambda: call(request, metadata=audit.patient(P))) == grpc.StatusCode.PERMISSION_DENIED
        assert code_of(lambda: call(request, metadata=audit.operator)) == grpc.StatusCode.PERMISSION_DENIED

    @pytest.mark.parametrize("field", ["patient_id", "resource_type", "resource_id", "as_of"])
    def test_a_missing_field_is_named(self, audit, field):
        v = restriction("doc-1")
        v.ClearField(field)
        error = error_of(lambda: set_visibility(audit, v))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error_details(error)[0] == {f"visibility.{field}"}

    def test_a_record_carrying_a_malformed_restriction_is_refused_and_not_stored(self, audit):
        v = restriction("doc-1")
        v.ClearField("as_of")
        error = error_of(lambda: audit.append(record(1, visibility=v)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(error)[0] == {"records[0].visibility.as_of"}
        assert history(audit) == []
