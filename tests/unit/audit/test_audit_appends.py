"""Leaf inputs and commitments, append validation, idempotency and group commit (in memory)."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest

from audit_fakes import T0, make_entry
from devtools.eventually import eventually
from meskit.auth import PATIENT, SERVICE, Caller
from meskit.errors import AlreadyExists, DomainError, InvalidArgument, PermissionDenied, Unavailable

from audit.domain import leaf, merkle
from audit.domain.appends import GroupCommitter, append_records
from audit.domain.models import ERASED, Personal, Restriction

DOCUMENTS = Caller(SERVICE, "documents")


@pytest.fixture
def appender(fake_log):
    committer = GroupCommitter(fake_log.unit_of_work, lambda: T0)
    yield committer
    committer.stop()


class TestLeafInput:
    def test_the_leaf_holds_no_personal_data(self):
        entry = make_entry(personal=Personal(patient_id="patient-7f3a", actor_id="pro-91b2", rpps="10109876543",
                                             display_name="Marc Leroy", resource_label="Bilan kiné",
                                             justification="Chute à domicile"))
        data = leaf.leaf_input(entry, T0, leaf.commitment(entry.personal, leaf.new_salt()))
        for secret in ("patient-7f3a", "pro-91b2", "10109876543", "Marc Leroy", "Bilan", "Chute"):
            assert secret.encode() not in data

    def test_the_leaf_is_canonical_json_of_the_non_personal_fields(self):
        entry = make_entry()
        commitment = b"\x01" * 32
        data = leaf.leaf_input(entry, T0, commitment)
        decoded = json.loads(data)
        assert data == json.dumps(decoded, sort_keys=True, separators=(",", ":")).encode()
        assert decoded["v"] == 1 and decoded["personal"] == commitment.hex()
        assert decoded["occurred_at"] == "2026-03-01T08:15:00.000000Z"
        assert decoded["action"] == "READ" and decoded["rule"] == "matrix:10/11488-4"

    def test_a_record_without_a_matrix_version_keeps_the_leaf_it_always_had(self):
        # the version-1 leaf layout, written out: records appended before matrix_version existed
        # (and every record without one) keep their leaf hash, so existing proofs stay valid
        commitment = b"\x01" * 32
        before = ('{"access_mode":"NORMAL","action":"READ","actor_type":"HEALTHCARE_PROFESSIONAL",'
                  '"appended_at":"2026-03-01T08:15:00.000000Z","decision":"ALLOWED","group":"MEDICAL_DOCUMENT",'
                  '"occurred_at":"2026-03-01T08:15:00.000000Z","personal":"' + commitment.hex() + '",'
                  '"profession_code":"10","record_id":"00000000-0000-0000-0000-000000000001",'
                  '"request_id":"req-0","resource_type":"document","rule":"matrix:10/11488-4",'
                  '"service":"documents","v":1}').encode()
        assert leaf.leaf_input(make_entry(), T0, commitment) == before
        assert merkle.leaf_hash(leaf.leaf_input(make_entry(matrix_version=""), T0, commitment)) == merkle.leaf_hash(before)

    def test_a_record_with_a_matrix_version_commits_to_it(self):
        commitment = b"\x01" * 32
        with_version = leaf.leaf_input(make_entry(matrix_version="1-3f9a0c2b7d1e"), T0, commitment)
        assert json.loads(with_version)["matrix_version"] == "1-3f9a0c2b7d1e"
        other = leaf.leaf_input(make_entry(matrix_version="1-000000000000"), T0, commitment)
        assert len({with_version, other, leaf.leaf_input(make_entry(), T0, commitment)}) == 3

    def test_the_commitment_is_an_hmac_keyed_by_the_salt(self):
        personal, salt = make_entry().personal, b"s" * 32
        message = json.dumps({"v": 1, **dataclasses.asdict(personal)}, sort_keys=True, separators=(",", ":"),
                             ensure_ascii=False).encode()
        assert leaf.commitment(personal, salt) == hmac.new(salt, message, hashlib.sha256).digest()

    def test_every_personal_field_and_the_salt_change_the_commitment(self):
        personal, salt = make_entry().personal, b"s" * 32
        base = leaf.commitment(personal, salt)
        assert leaf.commitment(personal, b"t" * 32) != base
        for name in (f.name for f in dataclasses.fields(Personal)):
            assert leaf.commitment(dataclasses.replace(personal, **{name: "x"}), salt) != base, name

    def test_salts_are_random_and_32_bytes(self):
        assert len(leaf.new_salt()) == 32 and leaf.new_salt() != leaf.new_salt()

    def test_erasing_personal_data_keeps_the_leaf_and_its_hash(self, appender):
        ((stored, _),) = append_records(appender, DOCUMENTS, [make_entry()])
        erased_entry = dataclasses.replace(stored.entry, personal=ERASED)
        assert merkle.leaf_hash(leaf.leaf_input(erased_entry, stored.appended_at, stored.commitment)) == stored.leaf_hash


class TestAppendValidation:
    def test_only_services_append(self, appender):
        with pytest.raises(PermissionDenied):
            append_records(appender, Caller(PATIENT, "patient-1"), [make_entry()])

    def test_invalid_records_are_refused_with_every_field_named(self, appender):
        bad = make_entry(record_id="not-a-uuid", occurred_at=None, action="", rule="r" * 200,
                         personal=Personal(patient_id="p\x00"))
        with pytest.raises(InvalidArgument) as raised:
            append_records(appender, DOCUMENTS, [make_entry(), bad])
        fields = {v.field for v in raised.value.violations}
        assert fields == {"records[1].record_id", "records[1].occurred_at", "records[1].action",
                          "records[1].rule", "records[1].patient_id"}

    def test_the_appending_service_is_the_caller_and_the_id_canonical(self, appender):
        entry = make_entry(service="someone-else", record_id="{00000000-0000-0000-0000-0000000000AA}")
        ((stored, _),) = append_records(appender, DOCUMENTS, [entry])
        assert stored.entry.service == "documents"
        assert stored.entry.record_id == "00000000-0000-0000-0000-0000000000aa"


class TestAppend:
    def test_same_record_id_twice_keeps_one(self, appender, fake_log):
        ((first, dup1),) = append_records(appender, DOCUMENTS, [make_entry()])
        ((second, dup2),) = append_records(appender, DOCUMENTS, [make_entry()])
        assert (dup1, dup2) == (False, True)
        assert second == first and len(fake_log.records) == 1

    def test_different_content_under_the_same_id_is_refused(self, appender, fake_log):
        append_records(appender, DOCUMENTS, [make_entry()])
        with pytest.raises(AlreadyExists):
            append_records(appender, DOCUMENTS, [make_entry(decision="DENIED")])
        assert len(fake_log.records) == 1

    def test_a_repeat_within_one_call_is_a_duplicate(self, appender, fake_log):
        outcomes = append_records(appender, DOCUMENTS, [make_entry(0), make_entry(1), make_entry(0)])
        assert [dup for _, dup in outcomes] == [False, False, True]
        assert outcomes[2][0] == outcomes[0][0] and len(fake_log.records) == 2

    def test_records_of_a_call_are_appended_in_order(self, appender):
        outcomes = append_records(appender, DOCUMENTS, [make_entry(n) for n in range(5)])
        assert [s.leaf_index for s, _ in outcomes] == [0, 1, 2, 3, 4]

    def test_concurrent_appends_get_dense_indexes_in_few_transactions(self, appender, fake_log):
        results, errors = [], []

        def worker(start):
            try:
                for n in range(start, start + 20):
                    results.extend(append_records(appender, DOCUMENTS, [make_entry(n)]))
            except Exception as exc:       # pragma: no cover - reported below
                errors.append(exc)
        threads = [threading.Thread(target=worker, args=(t * 20,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert sorted(s.leaf_index for s, _ in results) == list(range(160))
        assert fake_log.transactions <= 160
        frontier = merkle.Frontier()
        for index in range(160):
            frontier.append(fake_log.records[index][0].leaf_hash)
        assert merkle.frontier_at(160, lambda nodes: {n: (fake_log.records[n[1]][0].leaf_hash if n[0] == 0
                                                          else fake_log.nodes[n]) for n in nodes}).root() == frontier.root()

    def test_a_conflicting_call_does_not_fail_the_others_of_its_group(self, appender, fake_log):
        append_records(appender, DOCUMENTS, [make_entry(0)])
        held = HeldLog(fake_log)
        grouped = GroupCommitter(held.unit_of_work, lambda: T0)
        results = held.queue_behind_a_writer(grouped, {"first": [make_entry(2)], "bad": [make_entry(0, rule="other")],
                                                       "good": [make_entry(1)]})
        before = fake_log.transactions
        held.release_and_join()
        assert isinstance(results["bad"], AlreadyExists)
        assert [s.leaf_index for s, _ in results["first"]] == [1]
        assert results["good"][0][0].leaf_index == 2
        # the writer's; for the group queued meanwhile, one insert at the known size (refused: an id is
        # stored already) and one transaction that reads the stored ids, for both calls
        assert (fake_log.transactions, fake_log.refused_appends) == (before + 3, 1)

    def test_a_writer_that_wrote_the_last_leaves_appends_without_reading_the_log_first(self, appender, fake_log):
        append_records(appender, DOCUMENTS, [make_entry(0)])
        opened = fake_log.opened
        outcomes = append_records(appender, DOCUMENTS, [make_entry(1), make_entry(2), make_entry(1)])
        assert [(s.leaf_index, dup) for s, dup in outcomes] == [(1, False), (2, False), (1, True)]
        assert (fake_log.opened, fake_log.refused_appends) == (opened, 0)

    def test_what_another_replica_appended_meanwhile_is_read_before_appending(self, appender, fake_log):
        append_records(appender, DOCUMENTS, [make_entry(0)])
        replica = GroupCommitter(fake_log.unit_of_work, lambda: T0)
        try:
            append_records(replica, DOCUMENTS, [make_entry(1), make_entry(2)])
        finally:
            replica.stop()
        ((stored, dup),) = append_records(appender, DOCUMENTS, [make_entry(3)])
        assert (stored.leaf_index, dup, fake_log.refused_appends) == (3, False, 1)
        ((again, dup),) = append_records(appender, DOCUMENTS, [make_entry(2)])     # the replica's record
        assert (again.leaf_index, dup) == (2, True)
        with pytest.raises(AlreadyExists):
            append_records(appender, DOCUMENTS, [make_entry(1, rule="other")])
        frontier = merkle.Frontier()
        for index in range(4):
            frontier.append(fake_log.records[index][0].leaf_hash)
        assert merkle.frontier_at(4, lambda nodes: {n: (fake_log.records[n[1]][0].leaf_hash if n[0] == 0
                                                        else fake_log.nodes[n]) for n in nodes}).root() == frontier.root()

    def test_the_restrictions_a_group_carries_are_applied_newest_first_in_its_transaction(self, appender, fake_log):
        older = Restriction("patient-1", "document", "doc-1", T0 + timedelta(days=30), False, T0)
        lift = dataclasses.replace(older, hidden_from_patient_until=None, as_of=T0 + timedelta(days=1))
        other = dataclasses.replace(older, resource_id="doc-2")
        append_records(appender, DOCUMENTS, [make_entry(0), make_entry(1), make_entry(2)],
                       restrictions=[lift, older, other])
        assert fake_log.transactions == 1
        assert fake_log.restrictions == {("patient-1", "document", "doc-1"): lift,
                                         ("patient-1", "document", "doc-2"): other}

    def test_a_replayed_record_still_applies_the_newer_restriction_it_carries(self, appender, fake_log):
        append_records(appender, DOCUMENTS, [make_entry(0)])
        lift = Restriction("patient-1", "document", "doc-0", None, False, T0 + timedelta(days=1))
        ((_, dup),) = append_records(appender, DOCUMENTS, [make_entry(0)], restrictions=[lift])
        assert dup and fake_log.restrictions == {("patient-1", "document", "doc-0"): lift}

    def test_a_transaction_that_fails_once_is_redone(self, appender, fake_log):
        fake_log.fail_next = 1
        ((stored, dup),) = append_records(appender, DOCUMENTS, [make_entry(0)])
        assert (stored.leaf_index, dup, len(fake_log.records)) == (0, False, 1)

    def test_a_failing_database_answers_unavailable_and_the_next_append_continues_the_tree(self, appender, fake_log):
        append_records(appender, DOCUMENTS, [make_entry(0)])
        fake_log.fail_next = 2
        with pytest.raises(Unavailable):
            append_records(appender, DOCUMENTS, [make_entry(1)])
        ((stored, dup),) = append_records(appender, DOCUMENTS, [make_entry(1)])
        assert (stored.leaf_index, dup) == (1, False)


class HeldLog:
    """The fake log, whose transactions wait until released: calls queue up behind the first."""

    def __init__(self, fake_log):
        self._log, self._released, self._threads = fake_log, threading.Event(), []

    @contextmanager
    def unit_of_work(self):
        self._released.wait()
        with self._log.unit_of_work() as tx:
            yield tx

    def queue_behind_a_writer(self, committer: GroupCommitter, calls: dict[str, list]) -> dict:
        """The first call writes (held), the others queue behind it; what each returns or raises."""
        results: dict = {}

        def call(name, entries):
            try:
                results[name] = committer.submit(entries)
            except DomainError as exc:
                results[name] = exc
        for n, (name, entries) in enumerate(calls.items()):
            thread = threading.Thread(target=call, args=(name, entries))
            thread.start()
            self._threads.append(thread)
            eventually(lambda: len(committer._queue) >= n and committer._writing, interval=0.005,
                       what=f"{name} writing or queued")
        return results

    def release_and_join(self) -> None:
        self._released.set()
        for thread in self._threads:
            thread.join()


class TestGroupCommit:
    """The calling threads write the groups, one at a time, in the order the calls came."""

    def test_the_groups_queued_behind_a_writer_are_written_in_order_by_their_own_callers(self, fake_log):
        held = HeldLog(fake_log)
        committer = GroupCommitter(held.unit_of_work, lambda: T0, max_batch=2)
        results = held.queue_behind_a_writer(committer, {n: [make_entry(n)] for n in range(5)})
        held.release_and_join()
        assert [results[n][0][0].leaf_index for n in range(5)] == list(range(5))
        assert fake_log.transactions == 3             # the writer's own, then the four queued ones two by two
        assert not committer._writing and not committer._queue

    def test_a_failure_is_reported_to_every_caller_of_the_group(self, fake_log):
        held = HeldLog(fake_log)
        committer = GroupCommitter(held.unit_of_work, lambda: T0)
        fake_log.fail_next = 100
        results = held.queue_behind_a_writer(committer, {n: [make_entry(n)] for n in range(4)})
        held.release_and_join()
        assert all(isinstance(results[n], Unavailable) for n in range(4))
        fake_log.fail_next = 0
        ((stored, dup),) = committer.submit([make_entry(0)])
        assert (stored.leaf_index, dup) == (0, False)

    def test_stop_refuses_new_calls_and_returns_once_the_queued_ones_are_written(self, fake_log):
        held = HeldLog(fake_log)
        committer = GroupCommitter(held.unit_of_work, lambda: T0)
        results = held.queue_behind_a_writer(committer, {n: [make_entry(n)] for n in range(3)})
        stopping = threading.Thread(target=committer.stop)
        stopping.start()
        eventually(lambda: committer._stopping, interval=0.005, what="stop called")
        with pytest.raises(Unavailable):
            committer.submit([make_entry(9)])
        held.release_and_join()
        stopping.join()
        assert sorted(results[n][0][0].leaf_index for n in range(3)) == [0, 1, 2]
        assert len(fake_log.records) == 3

    def test_a_call_that_waited_too_long_is_not_written_and_the_next_ones_are(self, fake_log):
        held = HeldLog(fake_log)
        committer = GroupCommitter(held.unit_of_work, lambda: T0, wait_seconds=0.01)
        results = held.queue_behind_a_writer(committer, {"writer": [make_entry(0)], "late": [make_entry(1)]})
        held._threads[1].join()                       # gave up while the writer was held
        held.release_and_join()
        ((after, _),) = committer.submit([make_entry(2)])
        assert isinstance(results["late"], Unavailable)
        assert (results["writer"][0][0].leaf_index, after.leaf_index) == (0, 1)
        assert [r.entry.record_id for r, _, _ in fake_log.records.values()] == \
            [results["writer"][0][0].entry.record_id, after.entry.record_id]
