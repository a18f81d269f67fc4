"""The bytes a leaf commits to, and the commitment to a record's personal data.

leaf_input is canonical JSON (keys sorted, no spaces, UTF-8) of the record's non-personal fields,
the time audit appended it, and `personal`: the hex HMAC-SHA256 of the personal data's canonical
JSON, keyed by a random 32-byte salt stored beside the personal data. The leaf never contains the
personal data, so erasing them (and the salt, so that the HMAC cannot be brute-forced from a
guessed patient id) changes neither the leaf nor any proof.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timezone

from audit.domain.models import PERSONAL_FIELDS, Entry, Personal

LEAF_VERSION = 1
SALT_BYTES = 32


def canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def timestamp_text(value: datetime) -> str:
    """RFC 3339 in UTC with microseconds, e.g. 2026-03-01T08:15:00.000000Z."""
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def personal_input(personal: Personal) -> bytes:
    """What the commitment is the HMAC of: canonical JSON of the personal data."""
    return canonical({"v": LEAF_VERSION, **{name: getattr(personal, name) for name in PERSONAL_FIELDS}})


def commitment(personal: Personal, salt: bytes) -> bytes:
    return hmac.digest(salt, personal_input(personal), hashlib.sha256)


def leaf_input(entry: Entry, appended_at: datetime, personal_commitment: bytes) -> bytes:
    """`matrix_version` is in the leaf only when set, so that the leaves (and proofs) of records made
    before it existed, or by services without a matrix, are unchanged."""
    fields = {
        "v": LEAF_VERSION,
        "record_id": entry.record_id,
        "occurred_at": timestamp_text(entry.occurred_at),
        "appended_at": timestamp_text(appended_at),
        "actor_type": entry.actor_type,
        "profession_code": entry.profession_code,
        "action": entry.action,
        "group": entry.group,
        "resource_type": entry.resource_type,
        "decision": entry.decision,
        "rule": entry.rule,
        "access_mode": entry.access_mode,
        "service": entry.service,
        "request_id": entry.request_id,
        "personal": personal_commitment.hex(),
    }
    if entry.matrix_version:
        fields["matrix_version"] = entry.matrix_version
    return canonical(fields)
