"""What the audit use-cases need from the outside world."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from audit.domain.models import Entry, LogKey, TreeHead


class HeadSigner(Protocol):
    """The log's own signing key (not the token key): signs tree heads."""

    key_id: str
    algorithm: str
    public_key: bytes                              # DER SubjectPublicKeyInfo

    def sign(self, message: bytes) -> bytes: ...


class Appender(Protocol):
    """Appends entries to the log in order, grouped into commits (audit.domain.appends.GroupCommitter).

    With `then(repository, outcomes)`, returns (outcomes, what `then` returned), `then` running in the
    same transaction; without, the outcomes."""

    def submit(self, entries: list[Entry], then: Callable[..., Any] | None = None) -> Any: ...


class Heads(Protocol):
    """The signed tree heads and the log's keys (audit.domain.heads.TreeHeads)."""

    def latest(self, covering: int | None = None) -> TreeHead: ...
    def keys(self) -> list[LogKey]: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager]   # yields an AuditRepository in a transaction
    appender: Appender
    heads: Heads
    now: Callable[[], datetime] = utc_now
