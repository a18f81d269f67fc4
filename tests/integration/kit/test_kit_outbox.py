"""Transactional outbox on a real PostgreSQL: written with the change, relayed at least once."""
from __future__ import annotations

import collections
import threading
import time
from datetime import timedelta

import grpc
import pytest
import sqlalchemy as sa

from devtools.eventually import eventually
from devtools.ports import closed_port
from meskit import db
from meskit.audit_client import AuditClient
from meskit.outbox import Event, OutboxRelay, add_event
from meskit.relay import Dispatcher, outbox_relay


def add(engine, table, count: int = 1, event_type: str = "document.added") -> list:
    with db.make_session_factory(engine).begin() as session:
        return [add_event(session, table, event_type, f"acc-{i}", {"n": i, "titre": "Compte rendu"})
                for i in range(count)]


def rows(engine, table) -> dict:
    with engine.connect() as connection:
        return {row.event_id: row for row in connection.execute(sa.select(table))}


def make_due(engine, table) -> None:
    """What waiting out the backoff would do, without the wait."""
    with engine.begin() as connection:
        connection.execute(table.update().values(available_at=sa.func.now() - timedelta(seconds=1)))


def make_later(engine, table) -> None:
    """A backoff that no slow test run can outlast."""
    with engine.begin() as connection:
        connection.execute(table.update().values(available_at=sa.func.now() + timedelta(hours=1)))


class TestAddEvent:
    def test_rolled_back_transaction_leaves_no_event(self, outbox):
        engine, table = outbox
        with pytest.raises(RuntimeError):
            with db.make_session_factory(engine).begin() as session:
                add_event(session, table, "document.added", "acc-1", {"n": 1})
                raise RuntimeError("the change itself failed")
        assert rows(engine, table) == {}

    def test_event_is_stored_pending_with_its_payload(self, outbox):
        engine, table = outbox
        (event_id,) = add(engine, table)
        row = rows(engine, table)[event_id]
        assert (row.event_type, row.aggregate_id, row.payload) == ("document.added", "acc-0", {"n": 0, "titre": "Compte rendu"})
        assert (row.attempts, row.published_at) == (0, None)


class TestRelay:
    def test_published_rows_can_be_deleted_rather_than_kept(self, outbox):
        engine, table = outbox
        add(engine, table, 3)
        failing = {"armed": True}

        def publish(event: Event) -> None:
            if event.payload["n"] == 1 and failing.pop("armed", False):
                raise ConnectionError("notifications down")
        relay = OutboxRelay(engine, table, publish, delete_published=True)
        assert relay.relay_once() == 2
        assert [r.payload["n"] for r in rows(engine, table).values()] == [1]     # the failed one stays
        make_due(engine, table)
        assert relay.relay_once() == 1 and rows(engine, table) == {}

    def test_publishes_each_committed_event_once_in_the_normal_case(self, outbox):
        engine, table = outbox
        event_ids = add(engine, table, 3)
        published: list[Event] = []
        relay = OutboxRelay(engine, table, published.append)
        assert relay.relay_once() == 3
        assert relay.relay_once() == 0
        assert sorted(e.event_id for e in published) == sorted(event_ids)
        assert {e.payload["n"] for e in published} == {0, 1, 2}
        assert all(row.published_at is not None for row in rows(engine, table).values())

    def test_failed_publish_is_retried_later_with_backoff(self, outbox):
        engine, table = outbox
        failing, healthy = add(engine, table, 2)
        attempts = collections.Counter()

        def publish(event: Event) -> None:
            attempts[event.event_id] += 1
            if event.event_id == failing and attempts[event.event_id] <= 2:
                raise ConnectionError("broker down")
        relay = OutboxRelay(engine, table, publish)

        before = time.time()
        assert relay.relay_once() == 1  # the healthy event is not held back
        after = time.time()
        row = rows(engine, table)[failing]
        assert (row.attempts, row.last_error, row.published_at) == (1, "ConnectionError", None)
        assert before + 0.5 - 0.01 <= row.available_at.timestamp() <= after + 1 + 0.01  # 2 ** 0 seconds, jittered

        make_later(engine, table)
        assert relay.relay_once() == 0  # not before its time
        assert attempts[failing] == 1

        make_due(engine, table)
        before = time.time()
        assert relay.relay_once() == 0
        row = rows(engine, table)[failing]
        assert (row.attempts, row.published_at) == (2, None)
        assert row.available_at.timestamp() - before >= 0.9  # 2 ** attempts, jittered down to half at most

        make_due(engine, table)
        assert relay.relay_once() == 1
        assert rows(engine, table)[failing].published_at is not None
        assert attempts == {failing: 3, healthy: 1}

    def test_backoff_is_capped(self, outbox):
        engine, table = outbox
        (event_id,) = add(engine, table)
        with engine.begin() as connection:
            connection.execute(table.update().values(attempts=40))

        def fail(event):
            raise TimeoutError()
        before = time.time()
        OutboxRelay(engine, table, fail, max_backoff=10).relay_once()
        after = time.time()
        row = rows(engine, table)[event_id]
        # the cap, jittered down to half at most, from a moment between before and after
        assert before + 5 - 0.01 <= row.available_at.timestamp() <= after + 10 + 0.01
        assert (row.attempts, row.last_error) == (41, "TimeoutError")

    def test_background_relay_publishes_new_events_until_stopped(self, outbox):
        engine, table = outbox
        published = []
        relay = OutboxRelay(engine, table, lambda event: published.append(event.event_id), poll_interval=0.05)
        relay.start()
        try:
            (event_id,) = add(engine, table)
            eventually(lambda: published, what="the event published")
        finally:
            stopped = relay.stop()
        assert published == [event_id]
        assert stopped

    def test_two_relays_share_the_work_without_publishing_twice(self, outbox):
        engine, table = outbox
        event_ids = add(engine, table, 500)
        published: dict[str, list] = {"a": [], "b": []}
        done = threading.Event()
        both_hold_a_batch = threading.Barrier(len(published), timeout=30)

        def run(name: str) -> None:
            def publish(event: Event) -> None:
                if not published[name]:  # each relay's first event waits until the other holds a batch too
                    both_hold_a_batch.wait()
                published[name].append(event.event_id)
            relay = OutboxRelay(engine, table, publish, batch_size=25)
            while not done.is_set():
                if relay.relay_once() == 0 and sum(map(len, published.values())) >= 500:
                    return

        threads = [threading.Thread(target=run, args=(name,)) for name in published]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        done.set()
        everything = published["a"] + published["b"]
        assert len(everything) == len(set(everything)) == 500
        assert set(everything) == set(event_ids)
        assert published["a"] and published["b"]  # both really ran at the same time
        assert all(row.published_at is not None for row in rows(engine, table).values())


class TestDispatcher:
    def test_a_row_of_a_type_nothing_routes_backs_off_and_stays(self, outbox):
        """Services cannot write one (tests/unit/rules/test_rules_outbox.py); if one came, it would wait, not vanish."""
        engine, table = outbox
        (event_id,) = add(engine, table, event_type="ACCESS_SETTINGS_CHANGED")
        with grpc.insecure_channel(f"127.0.0.1:{closed_port()}") as nowhere:
            relay = outbox_relay(engine, table, Dispatcher(AuditClient(nowhere), None))
            assert relay.relay_once() == 0
        row = rows(engine, table)[event_id]
        assert (row.attempts, row.last_error, row.published_at) == (1, "NotRouted", None)

    def test_the_relay_takes_a_dispatcher_only(self, outbox):
        engine, table = outbox
        with pytest.raises(TypeError):
            outbox_relay(engine, table, list.append)
