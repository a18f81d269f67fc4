"""Codes and tokens handed to people: generated with `secrets`, stored only as hashes."""
from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: the provisional code is typed from a letter.
PROVISIONAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PROVISIONAL_LENGTH = 12


def new_provisional_code() -> str:
    return "".join(secrets.choice(PROVISIONAL_ALPHABET) for _ in range(PROVISIONAL_LENGTH))


def normalise_provisional_code(code: str) -> str:
    return code.replace(" ", "").replace("-", "").upper()


def new_login_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str, salt: str = "") -> str:
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
