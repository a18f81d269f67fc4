"""Appending over real gRPC and PostgreSQL: idempotency, who may append, dense order across replicas."""
from __future__ import annotations

import threading

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from audit_harness import code_of, record, start_audit
from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SUPPORT


class TestAppend:
    def test_same_record_id_twice_keeps_one(self, audit):
        first = audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(1)), metadata=audit.service)
        again = audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(1, record_id=first.record.record_id)),
                                        metadata=audit.service)
        assert (first.duplicate, again.duplicate) == (False, True)
        assert again.record == first.record
        assert first.record.leaf_index == 0 and len(first.record.leaf_hash) == 32
        assert first.record.service == "documents" and first.record.appended_at.seconds > 0
        with audit.superuser().connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM records").scalar() == 1

    def test_the_matrix_version_is_stored_returned_and_part_of_the_identity_of_the_record(self, audit):
        first = audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(1, matrix_version="1-3f9a0c2b7d1e")),
                                        metadata=audit.service)
        assert first.record.matrix_version == "1-3f9a0c2b7d1e"
        stored = audit.stub.GetRecord(pb.GetRecordRequest(patient_id="patient-1", record_id=first.record.record_id),
                                      metadata=audit.patient("patient-1"))
        assert stored.matrix_version == "1-3f9a0c2b7d1e" and stored.leaf_hash == first.record.leaf_hash
        other = record(1, record_id=first.record.record_id, matrix_version="1-000000000000")
        assert code_of(lambda: audit.stub.AppendRecord(pb.AppendRecordRequest(record=other),
                                                       metadata=audit.service)) == grpc.StatusCode.ALREADY_EXISTS
        without = audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(2)), metadata=audit.service)
        assert without.record.matrix_version == ""

    def test_a_too_long_matrix_version_is_refused(self, audit):
        too_long = record(1, matrix_version="v" * 65)
        assert code_of(lambda: audit.stub.AppendRecord(pb.AppendRecordRequest(record=too_long),
                                                       metadata=audit.service)) == grpc.StatusCode.INVALID_ARGUMENT

    def test_different_content_under_the_same_id_is_refused(self, audit):
        first = audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(1)), metadata=audit.service)
        changed = record(1, record_id=first.record.record_id, decision=pb.DECISION_DENIED)
        assert code_of(lambda: audit.stub.AppendRecord(pb.AppendRecordRequest(record=changed),
                                                       metadata=audit.service)) == grpc.StatusCode.ALREADY_EXISTS

    def test_a_batch_is_appended_in_order_and_reports_its_duplicates(self, audit):
        known = audit.append(record(0))[0]
        batch = [record(1), record(0, record_id=known.record_id), record(2)]
        response = audit.stub.AppendRecords(pb.AppendRecordsRequest(records=batch), metadata=audit.service)
        assert [r.leaf_index for r in response.records] == [1, 0, 2]
        assert list(response.duplicate_record_ids) == [known.record_id]

    @pytest.mark.parametrize("actor", [PATIENT, PROFESSIONAL, DELEGATE, SUPPORT, OPERATOR])
    def test_only_service_tokens_append(self, audit, actor):
        call = lambda: audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(1)),  # noqa: E731
                                               metadata=audit.as_(actor, "someone", **acting_for(actor)))
        assert code_of(call) == grpc.StatusCode.PERMISSION_DENIED

    def test_without_a_token_nobody_appends(self, audit):
        assert code_of(lambda: audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(1)))) \
            == grpc.StatusCode.UNAUTHENTICATED

    def test_an_incomplete_record_is_refused_with_the_fields_named(self, audit):
        with pytest.raises(grpc.RpcError) as raised:
            audit.stub.AppendRecord(pb.AppendRecordRequest(record=pb.Record(record_id="x")), metadata=audit.service)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        from grpc_status import rpc_status
        from google.rpc import error_details_pb2
        status = rpc_status.from_call(raised.value)
        details = error_details_pb2.BadRequest()
        status.details[0].Unpack(details)
        assert {v.field for v in details.field_violations} == {
            "record.record_id", "record.occurred_at", "record.actor.type", "record.action", "record.decision"}


class TestTotalOrder:
    def test_two_replicas_appending_at_once_give_dense_leaf_indexes(self, audit, signing_key, log_key_file, tmp_path):
        _, _, second = start_audit(audit.database_url, signing_key, log_key_file, tmp_path)
        audit.servers.append(second)
        channel = grpc.insecure_channel(f"127.0.0.1:{second[0].port}")
        stubs = [audit.stub, audit_pb2_grpc.AuditServiceStub(channel)]
        indexes, errors = [], []

        def worker(stub, start):
            try:
                for n in range(start, start + 25):
                    response = stub.AppendRecord(pb.AppendRecordRequest(record=record(n)), metadata=audit.service)
                    indexes.append(response.record.leaf_index)
            except Exception as exc:   # pragma: no cover - reported below
                errors.append(exc)
        threads = [threading.Thread(target=worker, args=(stubs[t % 2], t * 25)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        channel.close()
        assert not errors
        assert sorted(indexes) == list(range(200))

        from audit.verify import verify_database
        audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        report = verify_database(audit.database_url)
        assert report.ok and report.records == 200, report.line()


def acting_for(actor: str) -> dict:
    """A delegate token always names the person acted for (its sub, RFC 8693)."""
    return {"on_behalf_of": "patient-0"} if actor == DELEGATE else {}
