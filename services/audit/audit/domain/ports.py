"""What the audit use-cases need from the outside world."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol


class HeadSigner(Protocol):
    """The log's own signing key (not the token key): signs tree heads."""

    key_id: str
    algorithm: str
    public_key: bytes                              # DER SubjectPublicKeyInfo

    def sign(self, message: bytes) -> bytes: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager]   # yields an AuditRepository in a transaction
    appender: object                                     # audit.domain.appends.GroupCommitter
    heads: object                                        # audit.domain.heads.TreeHeads
    now: Callable[[], datetime] = utc_now
