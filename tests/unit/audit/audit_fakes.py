"""Fakes for the audit unit tests: an in-memory store with the repository's interface, entries."""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from audit.domain.models import Entry, Personal

T0 = datetime(2026, 3, 1, 8, 15, tzinfo=timezone.utc)


class FakeLog:
    def __init__(self):
        self.records: dict[int, tuple] = {}          # leaf index -> (StoredRecord, Personal, salt)
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.lock = threading.Lock()
        self.fail_next = 0          # how many of the next transactions fail
        self.transactions = 0
        self.opened = 0               # appends that read the tree size and the stored ids first
        self.refused_appends = 0      # appends at a known size the unique keys refused
        self.restrictions: dict[tuple[str, str, str], object] = {}   # committed, by resource

    @contextmanager
    def unit_of_work(self):
        with self.lock:
            tx = _Tx(self)
            yield tx
            if self.fail_next:
                self.fail_next -= 1
                raise RuntimeError("database went away")
            self.records.update(tx.new_records)
            self.nodes.update(tx.new_nodes)
            for r in tx.new_restrictions:
                key = (r.patient_id, r.resource_type, r.resource_id)
                if key not in self.restrictions or self.restrictions[key].as_of < r.as_of:
                    self.restrictions[key] = r
            self.transactions += 1


class _Tx:
    def __init__(self, log: FakeLog):
        self.log, self.new_records, self.new_nodes, self.new_restrictions = log, {}, {}, []

    def open_append(self, ids):
        self.log.opened += 1
        return len(self.log.records), self.records_by_ids(ids)

    def stored_hashes(self, nodes):
        found = {}
        for level, index in nodes:
            if level == 0:
                found[(0, index)] = self.log.records[index][0].leaf_hash
            else:
                found[(level, index)] = self.log.nodes[(level, index)]
        return found

    def records_by_ids(self, ids):
        return {r.entry.record_id: r for r, _, _ in self.log.records.values() if r.entry.record_id in ids}

    def add(self, new, nodes):
        for stored, prepared in new:
            self.new_records[stored.leaf_index] = (stored, stored.entry.personal, prepared.salt)
        for level, index, value in nodes:
            self.new_nodes[(level, index)] = value

    def apply_restrictions(self, restrictions):
        keys = [(r.patient_id, r.resource_type, r.resource_id) for r in restrictions]
        assert len(set(keys)) == len(keys), "one statement cannot update a row twice"
        self.new_restrictions = list(restrictions)

    def append_at_known_size(self, new, nodes):
        """As the database's unique keys do: refused when the log grew or an id is stored already."""
        stored_ids = {r.entry.record_id for r, _, _ in self.log.records.values()}
        if new[0][0].leaf_index != len(self.log.records) or any(s.entry.record_id in stored_ids for s, _ in new):
            self.log.refused_appends += 1
            self.new_restrictions = []        # rolled back
            return False
        self.add(new, nodes)
        return True


def make_entry(n: int = 0, **overrides) -> Entry:
    personal = overrides.pop("personal", Personal(patient_id="patient-1", actor_id=f"pro-{n}", rpps="10101234567",
                                                  display_name="Dr Paul Bernard", resource_id=f"doc-{n}",
                                                  resource_label="Compte rendu opératoire"))
    values = dict(record_id=str(uuid.UUID(int=n + 1)), occurred_at=T0 + timedelta(minutes=n),
                  actor_type="HEALTHCARE_PROFESSIONAL", action="READ", decision="ALLOWED", personal=personal,
                  profession_code="10", group="MEDICAL_DOCUMENT", resource_type="document",
                  rule="matrix:10/11488-4", access_mode="NORMAL", service="documents", request_id=f"req-{n}")
    values.update(overrides)
    return Entry(**values)
