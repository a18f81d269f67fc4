"""The verifier's logic over an in-memory log: a sound log passes; each kind of tampering is named."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from audit_fakes import T0, FakeLog, make_entry
from meskit.auth import SERVICE, Caller, generate_private_key_pem

from audit.adapters.keys import Ed25519HeadSigner, HeadVerifier
from audit.domain import leaf, merkle
from audit.domain.appends import GroupCommitter, append_records
from audit.domain.heads import tree_head_message
from audit.domain.models import ERASED, Personal, TreeHead
from audit.domain.verification import LedgerRow, verify_log

SIGNER = Ed25519HeadSigner(generate_private_key_pem())
SIZE = 40


@pytest.fixture(scope="module")
def log() -> FakeLog:
    fake = FakeLog()
    committer = GroupCommitter(fake.unit_of_work, lambda: T0 + timedelta(hours=1))
    append_records(committer, Caller(SERVICE, "documents"), [make_entry(n) for n in range(SIZE - 1)])
    append_records(committer, Caller(SERVICE, "audit"),
                   [make_entry(SIZE - 1, action="ERASE", actor_type="OPERATOR", personal=Personal(actor_id="op"))])
    committer.stop()
    return fake


def rows(log: FakeLog) -> list[LedgerRow]:
    return [LedgerRow(record=stored, has_personal_row=True, personal_all_null=False, salt=salt,
                      personal_occurred_at=stored.entry.occurred_at, erased_at=None, erased_by=None)
            for stored, _personal, salt in (log.records[i] for i in range(len(log.records)))]


def nodes(log: FakeLog) -> list[tuple[int, int, bytes]]:
    return [(level, index, value) for (level, index), value
            in sorted(log.nodes.items(), key=lambda item: ((item[0][1] + 1) << item[0][0], item[0][0]))]


def head(log: FakeLog, size: int, signer=SIGNER) -> TreeHead:
    frontier = merkle.Frontier()
    for i in range(size):
        frontier.append(log.records[i][0].leaf_hash)
    root = frontier.root()
    return TreeHead(size, 1_772_352_900_000 + size, root, signer.sign(tree_head_message(1_772_352_900_000 + size,
                                                                                       size, root)), signer.key_id)


def verify(log, ledger=None, stored_nodes=None, heads=None):
    heads = heads if heads is not None else [head(log, 0), head(log, 17), head(log, SIZE)]
    return verify_log(ledger if ledger is not None else rows(log), stored_nodes if stored_nodes is not None
                      else nodes(log), heads, HeadVerifier([SIGNER.public_key]))


def altered(ledger: list[LedgerRow], index: int, **changes) -> list[LedgerRow]:
    ledger = list(ledger)
    ledger[index] = dataclasses.replace(ledger[index], **changes)
    return ledger


def erased(row: LedgerRow, by: int | None = SIZE - 1) -> LedgerRow:
    record = dataclasses.replace(row.record, entry=dataclasses.replace(row.record.entry, personal=ERASED), erased=True)
    return dataclasses.replace(row, record=record, salt=None, personal_all_null=True, erased_at=T0, erased_by=by)


class TestVerifyLog:
    def test_a_sound_log_verifies_with_a_summary(self, log):
        report = verify(log)
        assert report.ok, report.line()
        assert (report.records, report.heads, report.nodes) == (SIZE, 3, 2)
        assert report.line().startswith("audit log verified: 40 records")

    def test_a_record_whose_field_was_changed_is_named(self, log):
        ledger = rows(log)
        record = ledger[12].record
        forged = dataclasses.replace(record, entry=dataclasses.replace(record.entry, decision="DENIED"))
        report = verify(log, altered(ledger, 12, record=forged))
        assert not report.ok and report.leaf_index == 12 and report.record_id == record.entry.record_id
        assert "leaf 12 record " + record.entry.record_id in report.line()

    def test_changed_personal_data_are_named(self, log):
        ledger = rows(log)
        record = ledger[30].record
        forged = dataclasses.replace(record, entry=dataclasses.replace(
            record.entry, personal=dataclasses.replace(record.entry.personal, patient_id="someone-else")))
        report = verify(log, altered(ledger, 30, record=forged))
        assert (report.ok, report.leaf_index) == (False, 30)
        assert "commitment" in report.problem

    def test_a_removed_record_is_named_by_its_leaf_index(self, log):
        ledger = rows(log)
        report = verify(log, ledger[:7] + ledger[8:])
        assert (report.ok, report.leaf_index) == (False, 7)
        assert "missing" in report.problem

    def test_erased_personal_data_keep_the_log_valid(self, log):
        ledger = rows(log)
        ledger = [erased(r) if r.record.leaf_index < 10 else r for r in ledger]
        report = verify(log, ledger)
        assert report.ok and report.erased == 10

    def test_an_erasure_without_an_erasure_record_is_named(self, log):
        ledger = rows(log)
        report = verify(log, ledger[:3] + [erased(ledger[3], by=5)] + ledger[4:])
        assert (report.ok, report.leaf_index) == (False, 3)

    def test_a_record_rewritten_with_its_leaf_hash_is_caught_by_the_tree_head(self, log):
        ledger = rows(log)
        for index, caught_by in ((20, "stored subtree hash (4, 1) of leaves [16, 32)"),
                                 (35, "tree head of size 40 does not match the rebuilt tree: a record among "
                                      "leaves [17, 40)")):
            record = ledger[index].record
            entry = dataclasses.replace(record.entry, rule="forged")
            forged = dataclasses.replace(record, entry=entry, leaf_hash=merkle.leaf_hash(
                leaf.leaf_input(entry, record.appended_at, record.commitment)))
            report = verify(log, altered(ledger, index, record=forged))
            assert not report.ok and caught_by in report.problem

    def test_a_changed_stored_subtree_hash_is_named(self, log):
        stored = nodes(log)
        stored[0] = (stored[0][0], stored[0][1], b"\x00" * 32)
        report = verify(log, stored_nodes=stored)
        assert (report.ok, report.leaf_index) == (False, None)        # no leaf of [0, 16) is known to be the bad one
        assert report.line() == ("audit log verification FAILED: the stored subtree hash (4, 0) of leaves [0, 16) "
                                 "is missing or does not match the leaves: it was altered, or a record among "
                                 "those leaves was altered together with its leaf hash")

    def test_a_head_signed_by_another_key_fails(self, log):
        other = Ed25519HeadSigner(generate_private_key_pem())
        report = verify(log, heads=[head(log, 17, other)])
        assert not report.ok and "signature" in report.problem

    def test_a_head_larger_than_the_log_means_records_were_removed(self, log):
        report = verify(log, ledger=rows(log)[:30], heads=[head(log, SIZE)])
        assert (report.ok, report.leaf_index) == (False, 30)
        assert report.line().startswith("audit log verification FAILED: leaf 30: the record is missing: the "
                                        "signed tree head of size 40 covers it")
