"""The log partitioned by leaf index (migration 0005): the service adds the next partition before the
last one fills, and everything reads across partitions as before. The partitions are made 4 leaves
wide here (the empty log is reshaped by the tables' owner) so that a few records cross several."""
from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from audit_harness import AuditHarness, code_of, record, start_audit, stop_audit
from audit.domain import merkle

WIDTH = 4


@pytest.fixture
def narrow(audit_db, signing_key, log_key_file, tmp_path):
    owner = sa.create_engine(audit_db)
    with owner.begin() as connection:
        for (first,) in connection.exec_driver_sql("SELECT first_leaf FROM log_partitions").all():
            connection.exec_driver_sql(f"DROP TABLE record_personal_data_{first}")
            connection.exec_driver_sql(f"ALTER TABLE records DETACH PARTITION records_{first}")
            connection.exec_driver_sql(f"DROP TABLE records_{first}")
        connection.exec_driver_sql("DELETE FROM log_partitions")
        connection.exec_driver_sql(f"SELECT audit_add_log_partition(0, {WIDTH})")
    signer, settings, started = start_audit(audit_db, signing_key, log_key_file, tmp_path)
    channel = grpc.insecure_channel(f"127.0.0.1:{started[0].port}")
    harness = AuditHarness(audit_pb2_grpc.AuditServiceStub(channel), audit_db, started[1], signer, settings, [started])
    yield harness, owner
    channel.close()
    stop_audit(started)
    owner.dispose()


def test_the_log_adds_its_next_partition_before_the_last_one_fills(narrow):
    audit, owner = narrow
    audit.append(*[record(n) for n in range(3)])
    for n in range(3, 10):
        audit.stub.AppendRecord(pb.AppendRecordRequest(record=record(n)), metadata=audit.service)
    with owner.connect() as connection:
        ranges = connection.exec_driver_sql("SELECT first_leaf, end_leaf FROM log_partitions ORDER BY 1").all()
        spread = connection.exec_driver_sql("SELECT tableoid::regclass::text, count(*) FROM records GROUP BY 1 "
                                            "ORDER BY 1").all()
    assert [tuple(r) for r in ranges] == [(0, 4), (4, 8), (8, 12), (12, 16)]     # one ahead of leaf 9
    assert [tuple(s) for s in spread] == [("records_0", 4), ("records_4", 4), ("records_8", 2)]


def test_records_across_partitions_are_listed_proved_deduplicated_and_verified(narrow):
    audit, _ = narrow
    first = audit.append(*[record(n) for n in range(10)])
    page = audit.stub.ListActivity(pb.ListActivityRequest(patient_id="patient-1", page_size=6),
                                   metadata=audit.patient())
    assert [r.leaf_index for r in page.records] == [9, 8, 7, 6, 5, 4]
    head = audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
    for leaf in (1, 6, 9):
        proof = audit.stub.GetInclusionProof(pb.GetInclusionProofRequest(leaf_index=leaf, tree_size=head.tree_size),
                                             metadata=audit.service)
        assert merkle.root_from_inclusion(leaf, head.tree_size, proof.leaf_hash, list(proof.audit_path)) \
            == head.root_hash
    again = audit.stub.AppendRecord(pb.AppendRecordRequest(record=first[2]), metadata=audit.service)
    assert again.duplicate and again.record.leaf_index == 2
    changed = pb.Record()
    changed.CopyFrom(first[7])
    changed.rule = "other"
    assert code_of(lambda: audit.stub.AppendRecord(pb.AppendRecordRequest(record=changed), metadata=audit.service)) \
        == grpc.StatusCode.ALREADY_EXISTS

    from audit.verify import verify_database
    report = verify_database(audit.database_url)
    assert report.ok and report.records == 10, report.line()
