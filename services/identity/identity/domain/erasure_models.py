"""What a space's closure and deletion store (DOMAIN §4.4)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

REQUESTED, RETENTION = "REQUESTED", "RETENTION"     # why a space is erased: her request, or ten years archived
IDENTITY = "identity"                              # identity's own report, the last one


@dataclass(frozen=True)
class Closure:
    account_id: str
    closed_at: datetime
    erase_on: datetime | None       # deletion asked: erased from then on unless she reopens before


@dataclass(frozen=True)
class Erasure:
    erasure_id: str
    account_id: str
    reason: str
    started_at: datetime
    completed_at: datetime | None
    reports: dict[str, tuple[datetime, dict[str, int]]] = field(default_factory=dict)
