"""What the audit use-cases need from the outside world."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from audit.domain.models import Entry, LogKey, Restriction, StoredRecord, TreeHead

if TYPE_CHECKING:    # these modules use Dependencies
    from audit.domain.activity import Cursor, RecordFilter
    from audit.domain.merkle import Node
    from audit.domain.verification import LedgerRow
    from audit.domain.visibility import HistoryViewer


class Repository(Protocol):
    """Records, tree nodes, signed heads and keys of one transaction (adapters.repository)."""

    def tree_size(self) -> int: ...
    def stored_hashes(self, nodes: set[Node]) -> dict[Node, bytes]: ...
    def records_by_ids(self, record_ids: set[str]) -> dict[str, StoredRecord]: ...
    def record_at(self, leaf_index: int) -> StoredRecord | None: ...
    def records_between(self, start: int, end: int) -> list[StoredRecord]: ...
    def find_records(self, f: RecordFilter, *, after: Cursor | None, limit: int, oldest_first: bool,
                     viewer: HistoryViewer | None = None) -> list[StoredRecord]: ...
    def apply_restriction(self, r: Restriction) -> bool: ...
    def latest_head(self) -> TreeHead | None: ...
    def head_at(self, tree_size: int) -> TreeHead | None: ...
    def add_head(self, head: TreeHead) -> TreeHead: ...
    def register_key(self, key_id: str, algorithm: str, public_key: bytes, now: datetime) -> None: ...
    def log_keys(self) -> list[LogKey]: ...
    def ledger(self, batch: int = 2000) -> Iterator[LedgerRow]: ...
    def nodes_in_append_order(self, batch: int = 2000) -> Iterator[tuple[int, int, bytes]]: ...
    def heads(self) -> list[TreeHead]: ...
    def subject_records(self, patient_id: str) -> list[tuple[StoredRecord, bytes]]: ...


class HeadSigner(Protocol):
    """The log's own signing key (not the token key): signs tree heads."""

    key_id: str
    algorithm: str
    public_key: bytes                              # DER SubjectPublicKeyInfo

    def sign(self, message: bytes) -> bytes: ...


class Appender(Protocol):
    """Appends entries to the log in order, grouped into commits (audit.domain.appends.GroupCommitter).

    With `then(repository, outcomes)`, returns (outcomes, what `then` returned), `then` running in the
    same transaction; without, the outcomes. `restrictions` are applied in the same transaction."""

    def submit(self, entries: list[Entry], then: Callable[..., Any] | None = None,
               restrictions: Sequence[Restriction] = ()) -> Any: ...


class Heads(Protocol):
    """The signed tree heads and the log's keys (audit.domain.heads.TreeHeads)."""

    def latest(self, covering: int | None = None) -> TreeHead: ...
    def keys(self) -> list[LogKey]: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager[Repository]]   # one transaction
    appender: Appender
    heads: Heads
    now: Callable[[], datetime] = utc_now
