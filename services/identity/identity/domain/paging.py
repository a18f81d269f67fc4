"""Opaque page tokens of identity's lists: the last row's sort key, bound to the search it came from."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence

from meskit.errors import FieldViolation, InvalidArgument, Violations


def page_size(requested: int, *, default: int, maximum: int, violations: Violations) -> int:
    if requested < 0:
        violations.add("page_size", "nombre positif attendu")
    return min(requested or default, maximum)


def fingerprint(criteria: Mapping[str, object]) -> str:
    raw = json.dumps(criteria, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def encode(after: Sequence[str], search: str) -> str:
    raw = json.dumps({"a": list(after), "q": search}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def invalid_token(description: str) -> InvalidArgument:
    return InvalidArgument("Jeton de page invalide", reason="PAGE_TOKEN_INVALID",
                           violations=[FieldViolation("page_token", description)])


def decode(token: str, search: str, length: int) -> list[str]:
    """The sort key after which the page starts; INVALID_ARGUMENT naming page_token otherwise."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after = data["a"]
        if not (isinstance(after, list) and len(after) == length and all(isinstance(k, str) for k in after)):
            raise ValueError
        same_search = data["q"] == search
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid_token("jeton illisible") from None
    if not same_search:
        raise invalid_token("ce jeton appartient à une autre recherche")
    return after
