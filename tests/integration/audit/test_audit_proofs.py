"""Proofs from the API, checked here with a few independent lines; erasure keeps every proof valid."""
from __future__ import annotations

import hashlib
import json
import struct

import grpc
import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key
from mes.audit.v1 import audit_pb2 as pb

from audit_harness import code_of, record
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, SERVICE, SUPPORT


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaf_hashes: list[bytes]) -> bytes:
    """The root rebuilt from leaf hashes, RFC 6962 §2.1: split at the largest power of two below n."""
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < len(leaf_hashes):
        k *= 2
    return h(b"\x01" + mth(leaf_hashes[:k]) + mth(leaf_hashes[k:]))


def root_from_path(index: int, size: int, leaf_hash: bytes, path) -> bytes:
    """RFC 9162 §2.1.3.2, independently of the service's code."""
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if fn % 2 == 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = h(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    assert sn == 0
    return r


def consistent(first: int, second: int, first_root: bytes, second_root: bytes, proof) -> bool:
    """RFC 9162 §2.1.4.2, independently of the service's code."""
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = path[0]
    for c in path[1:]:
        if fn % 2 == 1 or fn == sn:
            fr, sr = h(b"\x01" + c + fr), h(b"\x01" + c + sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = h(b"\x01" + sr + c)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and fr == first_root and sr == second_root


def check_signature(head: pb.SignedTreeHead, keys: pb.ListLogKeysResponse) -> None:
    """RFC 6962 §3.5: version, signature type, timestamp (ms), tree size, root; Ed25519."""
    (key,) = [k for k in keys.keys if k.key_id == head.key_id]
    timestamp_ms = head.timestamp.seconds * 1000 + head.timestamp.nanos // 1_000_000
    message = struct.pack(">BBQQ", 0, 1, timestamp_ms, head.tree_size) + head.root_hash
    load_der_public_key(key.public_key).verify(head.signature, message)     # raises if wrong
    assert key.key_id == hashlib.sha256(key.public_key).hexdigest() and head.signature_algorithm == "Ed25519"


@pytest.fixture
def log(audit):
    return audit.append(*[record(n, patient_id=f"patient-{n % 3}") for n in range(37)])


class TestSignedTreeHead:
    def test_the_latest_head_covers_every_record_and_its_signature_verifies(self, audit, log):
        head = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.patient())
        keys = audit.stub.ListLogKeys(pb.ListLogKeysRequest(), metadata=audit.patient())
        assert head.tree_size == 37
        check_signature(head, keys)
        leaves = audit.stub.ListLeaves(pb.ListLeavesRequest(start=0, end=100), metadata=audit.operator).leaves
        assert [leaf.leaf_index for leaf in leaves] == list(range(37))
        assert mth([leaf.leaf_hash for leaf in leaves]) == head.root_hash

    def test_a_past_size_is_served_once_signed_and_unknown_sizes_are_not_found(self, audit, log):
        first = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        audit.append(record(99))
        again = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(tree_size=37), metadata=audit.service)
        assert again == first
        assert code_of(lambda: audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(tree_size=12),
                                                            metadata=audit.service)) == grpc.StatusCode.NOT_FOUND

    def test_an_empty_log_has_a_signed_head_of_size_0(self, audit):
        head = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        assert (head.tree_size, head.root_hash) == (0, h(b""))


class TestInclusionProof:
    def test_every_record_is_proved_included_in_the_signed_head(self, audit, log):
        keys = audit.stub.ListLogKeys(pb.ListLogKeysRequest(), metadata=audit.service)
        for appended in log:
            proof = audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(record_id=appended.record_id),
                                                 metadata=audit.service)
            assert (proof.leaf_index, proof.leaf_hash, proof.tree_size) == (appended.leaf_index, appended.leaf_hash, 37)
            assert root_from_path(proof.leaf_index, proof.tree_size, proof.leaf_hash, proof.audit_path) \
                == proof.tree_head.root_hash
        check_signature(proof.tree_head, keys)

    def test_the_leaf_hash_is_the_hash_of_the_published_leaf_input_which_holds_no_personal_data(self, audit, log):
        (leaf,) = audit.stub.ListLeaves(pb.ListLeavesRequest(start=5, end=6), metadata=audit.operator).leaves
        assert h(b"\x00" + leaf.leaf_input) == leaf.leaf_hash == log[5].leaf_hash
        fields = json.loads(leaf.leaf_input)
        assert fields["record_id"] == log[5].record_id and len(bytes.fromhex(fields["personal"])) == 32
        for personal in (log[5].patient_id, log[5].actor.id, log[5].actor.rpps, log[5].resource_label):
            assert personal.encode() not in leaf.leaf_input

    def test_a_proof_against_an_older_size_by_leaf_index(self, audit, log):
        proof = audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(leaf_index=9, tree_size=20),
                                             metadata=audit.service)
        leaves = audit.stub.ListLeaves(pb.ListLeavesRequest(start=0, end=20), metadata=audit.service).leaves
        assert root_from_path(9, 20, proof.leaf_hash, proof.audit_path) == mth([leaf.leaf_hash for leaf in leaves])
        assert not proof.HasField("tree_head")        # no head was signed at size 20

    def test_patients_get_proofs_for_their_own_records_only_professionals_none(self, audit, log):
        mine = log[3]                                  # patient-0
        request = pb.GetInclusionProofRequest(record_id=mine.record_id)
        assert audit.stub.GetInclusionProof(request, metadata=audit.patient("patient-0")).leaf_index == 3
        assert audit.stub.GetInclusionProof(request, metadata=audit.as_(DELEGATE, "d", on_behalf_of="patient-0"))
        assert audit.stub.GetInclusionProof(request, metadata=audit.as_(SUPPORT, "s")).leaf_index == 3
        assert code_of(lambda: audit.stub.GetInclusionProof(request, metadata=audit.patient("patient-1"))) \
            == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: audit.stub.GetInclusionProof(request, metadata=audit.as_(PROFESSIONAL, "pro-gp"))) \
            == grpc.StatusCode.PERMISSION_DENIED
        assert code_of(lambda: audit.stub.ListLeaves(pb.ListLeavesRequest(start=0, end=5),
                                                     metadata=audit.as_(PATIENT, "patient-0"))) \
            == grpc.StatusCode.PERMISSION_DENIED

    def test_a_size_the_log_has_not_reached_is_refused(self, audit, log):
        assert code_of(lambda: audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(leaf_index=1, tree_size=99),
                                                            metadata=audit.service)) \
            == grpc.StatusCode.FAILED_PRECONDITION


class TestConsistencyProof:
    def test_the_log_only_grew_between_two_signed_heads(self, audit, log):
        old = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        audit.append(*[record(n) for n in range(100, 130)])
        new = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        proof = audit.stub.GetConsistencyProof(pb.GetConsistencyProofRequest(first=old.tree_size),
                                               metadata=audit.patient())
        assert (proof.first, proof.second) == (37, 67)
        assert consistent(37, 67, old.root_hash, new.root_hash, proof.proof)
        assert not consistent(37, 67, h(b"forged"), new.root_hash, proof.proof)


class TestErasure:
    def test_erasure_clears_personal_data_keeps_leaves_and_every_proof(self, audit, log):
        from audit.verify import verify_database
        before = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        proofs_before = {r.record_id: audit.stub.GetInclusionProof(
            pb.GetInclusionProofRequest(record_id=r.record_id), metadata=audit.service) for r in log}

        erased = audit.stub.EraseRecordPersonalData(pb.EraseRecordPersonalDataRequest(
            patient_id="patient-1", reason="retention_expired"), metadata=audit.operator)
        assert erased.erased_count == len([r for r in log if r.patient_id == "patient-1"]) == 12

        after = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        assert after.tree_size == 38                  # the erasure itself was recorded
        for appended in log:
            proof = audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(record_id=appended.record_id,
                                                                              tree_size=37), metadata=audit.service)
            assert proof.audit_path == proofs_before[appended.record_id].audit_path
            assert root_from_path(proof.leaf_index, 37, appended.leaf_hash, proof.audit_path) == before.root_hash
            latest = audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(record_id=appended.record_id),
                                                  metadata=audit.service)
            assert root_from_path(latest.leaf_index, 38, appended.leaf_hash, latest.audit_path) == after.root_hash
        consistency = audit.stub.GetConsistencyProof(pb.GetConsistencyProofRequest(first=37, second=38),
                                                     metadata=audit.service)
        assert consistent(37, 38, before.root_hash, after.root_hash, consistency.proof)

        found = audit.stub.SearchRecords(pb.SearchRecordsRequest(actor_id="op-1"), metadata=audit.operator).records
        assert [(r.action, r.justification) for r in found] == [(pb.ACTION_ERASE, "retention_expired")]
        gone = audit.stub.ListActivity(pb.ListActivityRequest(patient_id="patient-1"), metadata=audit.patient())
        assert list(gone.records) == []
        (leaf,) = audit.stub.ListLeaves(pb.ListLeavesRequest(start=1, end=2), metadata=audit.operator).leaves
        assert h(b"\x00" + leaf.leaf_input) == log[1].leaf_hash

        report = verify_database(audit.database_url)
        assert report.ok and report.erased == 12, report.line()

    def test_erased_records_show_as_erased_with_no_personal_data(self, audit, log):
        audit.stub.EraseRecordPersonalData(pb.EraseRecordPersonalDataRequest(patient_id="patient-2"),
                                           metadata=audit.operator)
        with audit.superuser().connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT salt, patient_id, actor_id, rpps, resource_label, erased_at, erased_by_leaf "
                "FROM record_personal_data WHERE leaf_index = 2").one()
        assert row[:5] == (None, None, None, None, None) and row[5] is not None and row[6] == 37
        found = audit.stub.SearchRecords(pb.SearchRecordsRequest(actions=[pb.ACTION_READ]), metadata=audit.operator)
        erased = [r for r in found.records if r.leaf_index == 2][0]
        assert erased.personal_data_erased and erased.patient_id == "" and erased.actor.id == ""
        assert erased.rule == "matrix:class-10" and erased.leaf_hash == log[2].leaf_hash

    def test_erasure_can_stop_at_a_date(self, audit, log):
        request = pb.EraseRecordPersonalDataRequest(patient_id="patient-0")
        request.occurred_before.FromDatetime(log[10].occurred_at.ToDatetime())   # minutes 0, 3, 6, 9
        assert audit.stub.EraseRecordPersonalData(request, metadata=audit.operator).erased_count == 4

    @pytest.mark.parametrize("actor", [SUPPORT, PATIENT, PROFESSIONAL, SERVICE])
    def test_only_operators_erase(self, audit, log, actor):
        assert code_of(lambda: audit.stub.EraseRecordPersonalData(
            pb.EraseRecordPersonalDataRequest(patient_id="patient-1"), metadata=audit.as_(actor, "x"))) \
            == grpc.StatusCode.PERMISSION_DENIED
