"""What the identity use-cases need from the outside world."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from meskit.auth import Caller

from identity.domain.policy import Policy


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


LOGIN, CONTACT_CHANGE = "login", "contact_change"     # what a one-time code is for


class CodeSender(Protocol):
    def send_code(self, *, email: str, code: str, expires_at: datetime, given_name: str,
                  purpose: str = LOGIN) -> None: ...


class TokenSigner(Protocol):
    """Signs access tokens and publishes their keys (meskit.auth.TokenSigner)."""

    def sign(self, caller: Caller, *, ttl_seconds: int | None = None, now: float | None = None) -> tuple[str, int]: ...
    def jwks(self) -> dict: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager]   # yields an IdentityRepository in a transaction
    hasher: PasswordHasher
    code_sender: CodeSender
    signer: TokenSigner
    policy: Policy
    now: Callable[[], datetime] = utc_now
