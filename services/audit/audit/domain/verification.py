"""Check a whole log from what is stored: every record against its leaf hash and its personal data
commitment, the tree rebuilt leaf by leaf against the stored subtree hashes, every signed tree head
against the rebuilt root and its signature. Stops at the first problem and names it.

Streaming: O(n) time, O(log n) memory for the tree (plus the leaf indexes of erasure records).
"""
from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from audit.domain import leaf, merkle
from audit.domain.heads import tree_head_message
from audit.domain.models import ERASE, StoredRecord, TreeHead


@dataclass(frozen=True)
class LedgerRow:
    """One record as stored: the leaf row and the personal data row beside it."""

    record: StoredRecord               # personal fields "" where NULL
    has_personal_row: bool
    personal_all_null: bool
    salt: bytes | None
    personal_occurred_at: datetime | None
    erased_at: datetime | None
    erased_by: int | None


@dataclass
class Report:
    ok: bool = True
    problem: str = ""
    leaf_index: int | None = None
    record_id: str = ""
    records: int = 0
    erased: int = 0
    heads: int = 0
    nodes: int = 0
    root_hash: bytes = merkle.EMPTY_ROOT
    latest_head_size: int | None = None
    _erasure_links: list[tuple[int, str, int | None]] = field(default_factory=list)

    def fail(self, problem: str, leaf_index: int | None = None, record_id: str = "") -> Report:
        self.ok, self.problem, self.leaf_index, self.record_id = False, problem, leaf_index, record_id
        return self

    def line(self) -> str:
        if not self.ok:
            where = ""
            if self.leaf_index is not None:
                where = f"leaf {self.leaf_index}" + (f" record {self.record_id}" if self.record_id else "") + ": "
            return f"audit log verification FAILED: {where}{self.problem}"
        latest = "none" if self.latest_head_size is None else str(self.latest_head_size)
        return (f"audit log verified: {self.records} records ({self.erased} with personal data erased), "
                f"{self.heads} signed tree heads (latest size {latest}), {self.nodes} stored subtree hashes, "
                f"root {self.root_hash.hex()}")


class _Nodes:
    def __init__(self, nodes: Iterable[tuple[int, int, bytes]]):
        self._iterator: Iterator = iter(nodes)
        self.count = 0

    def next(self):
        value = next(self._iterator, None)
        if value is not None:
            self.count += 1
        return value


def _check_row(row: LedgerRow) -> tuple[str, bytes]:
    """The problem with this row ("" if none), and its recomputed leaf hash."""
    record = row.record
    computed = merkle.leaf_hash(leaf.leaf_input(record.entry, record.appended_at, record.commitment))
    if computed != record.leaf_hash:
        return ("its stored fields do not match its stored leaf hash (the record or its leaf hash was altered)",
                computed)
    if not row.has_personal_row:
        return "its personal data row is missing", computed
    if row.personal_occurred_at != record.entry.occurred_at:
        return "its personal data row has another occurred_at than the leaf", computed
    if row.erased_at is None:
        if row.salt is None or row.personal_all_null:
            return "its personal data are missing without an erasure", computed
        if not hmac.compare_digest(leaf.commitment(record.entry.personal, row.salt), record.commitment):
            return "its personal data do not match the commitment in its leaf (they were altered)", computed
    elif row.salt is not None or not row.personal_all_null or row.erased_by is None:
        return "it is marked erased but its personal data or salt remain", computed
    return "", computed


def verify_log(rows: Iterable[LedgerRow], nodes: Iterable[tuple[int, int, bytes]], heads: Iterable[TreeHead],
               verify_signature: Callable[[TreeHead, bytes], bool]) -> Report:
    """`nodes` in the order appends complete them; `heads` by tree size."""
    report = Report()
    stored_nodes = _Nodes(nodes)
    pending_heads = sorted(heads, key=lambda h: h.tree_size)
    frontier = merkle.Frontier()
    erase_leaves: set[int] = set()
    verified_size = 0

    def check_heads() -> bool:
        nonlocal verified_size
        while pending_heads and pending_heads[0].tree_size == frontier.size:
            head = pending_heads.pop(0)
            if not verify_signature(head, tree_head_message(head.timestamp_ms, head.tree_size, head.root_hash)):
                report.fail(f"the signed tree head of size {head.tree_size} has an invalid signature "
                            f"or an unknown key ({head.key_id})")
                return False
            if head.root_hash != frontier.root():
                report.fail(f"the signed tree head of size {head.tree_size} does not match the rebuilt tree: "
                            f"a record among leaves [{verified_size}, {head.tree_size}) was altered together "
                            f"with its leaf hash")
                return False
            report.heads += 1
            report.latest_head_size = head.tree_size
            verified_size = head.tree_size
        return True

    if not check_heads():
        return report
    for row in rows:
        record = row.record
        if record.leaf_index != frontier.size:
            return report.fail(f"the record is missing (the next stored record has index {record.leaf_index})",
                               frontier.size)
        problem, computed = _check_row(row)
        if problem:
            return report.fail(problem, record.leaf_index, record.entry.record_id)
        if record.entry.action == ERASE:
            erase_leaves.add(record.leaf_index)
        if row.erased_at is not None:
            report.erased += 1
            report._erasure_links.append((record.leaf_index, record.entry.record_id, row.erased_by))
        for level, index, value in frontier.append(computed):
            if not merkle.is_stored(level):
                continue
            stored = stored_nodes.next()
            if stored is None or stored[:2] != (level, index) or stored[2] != value:
                # each leaf matches its own hash: which one of the range was rewritten cannot be told
                first = index << level
                return report.fail(f"the stored subtree hash ({level}, {index}) of leaves [{first}, "
                                   f"{first + (1 << level)}) is missing or does not match the leaves: it was "
                                   f"altered, or a record among those leaves was altered together with its leaf hash")
        report.records += 1
        if not check_heads():
            return report
    if pending_heads:
        head = pending_heads[0]
        return report.fail(f"the record is missing: the signed tree head of size {head.tree_size} covers it but "
                           f"the log ends before it (records were removed)", frontier.size)
    extra = stored_nodes.next()
    if extra is not None:
        return report.fail(f"a stored subtree hash ({extra[0]}, {extra[1]}) lies beyond the {frontier.size} leaves")
    for index, record_id, erased_by in report._erasure_links:
        if erased_by not in erase_leaves:
            return report.fail(f"its personal data were erased without an erasure record (leaf {erased_by})",
                               index, record_id)
    report.nodes = stored_nodes.count
    report.root_hash = frontier.root()
    return report
