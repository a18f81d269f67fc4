from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    """Lifetimes and limits of the identity flows (from the service settings)."""

    access_token_ttl: timedelta = timedelta(minutes=10)
    refresh_token_ttl: timedelta = timedelta(days=30)
    login_code_ttl: timedelta = timedelta(minutes=5)
    provisional_code_ttl: timedelta = timedelta(days=90)
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    max_failures_per_client: int = 50
    client_window: timedelta = timedelta(minutes=15)
    max_provisional_code_failures: int = 5
    deletion_delay: timedelta = timedelta(days=30)    # a deletion asked at closure is carried out after it
