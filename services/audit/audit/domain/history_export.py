"""Her activity history as the files of her export (`historique/`), verifiable offline.

- `historique/journal.json`: her records, each with every field its leaf commits to, its personal
  data and their salt (hers to check the commitment), its leaf index and leaf hash;
- `historique/preuves.json`: one inclusion proof per record, in the tree of the signed head;
- `historique/tete-signee.json`: the signed tree head (Ed25519 over audit's tree head message);
- `historique/cles-publiques.json`: the log's public keys (PEM), the head's among them.

`python -m audit verify-export` (audit.domain.history_check) checks them without the log.
Records still hidden from her (a document she is not told of yet) are left out, as her history
shows them only redacted."""
from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives import serialization

from audit.domain import leaf
from audit.domain.models import PERSONAL_FIELDS, Entry, LogKey, Personal, StoredRecord, TreeHead

FOLDER = "historique/"
RECORDS, PROOFS, HEAD, KEYS = (FOLDER + name for name in ("journal.json", "preuves.json", "tete-signee.json",
                                                          "cles-publiques.json"))
FORMAT = 1
ENTRY_FIELDS = ("profession_code", "group", "resource_type", "rule", "access_mode", "service", "request_id",
                "matrix_version")


def record_json(record: StoredRecord, salt: bytes) -> dict:
    e = record.entry
    return {"record_id": e.record_id, "occurred_at": leaf.timestamp_text(e.occurred_at),
            "appended_at": leaf.timestamp_text(record.appended_at), "actor_type": e.actor_type,
            "action": e.action, "decision": e.decision, **{name: getattr(e, name) for name in ENTRY_FIELDS},
            "personal": None if record.erased else {name: getattr(e.personal, name) for name in PERSONAL_FIELDS},
            "personal_salt": None if record.erased else salt.hex(), "personal_commitment": record.commitment.hex(),
            "leaf_index": record.leaf_index, "leaf_hash": record.leaf_hash.hex()}


def leaf_input_of(item: Mapping) -> bytes:
    """The leaf input of an exported record, rebuilt from its fields (KeyError/ValueError if malformed)."""
    entry = Entry(record_id=item["record_id"], occurred_at=_time(item["occurred_at"]), actor_type=item["actor_type"],
                  action=item["action"], decision=item["decision"], personal=Personal(),
                  **{name: item[name] for name in ENTRY_FIELDS})
    return leaf.leaf_input(entry, _time(item["appended_at"]), bytes.fromhex(item["personal_commitment"]))


def commitment_of(item: Mapping) -> bytes | None:
    """The commitment of its personal data, None when they were erased."""
    if item["personal"] is None:
        return None
    personal = Personal(**{name: item["personal"][name] for name in PERSONAL_FIELDS})
    return leaf.commitment(personal, bytes.fromhex(item["personal_salt"]))


def proof_json(record_id: str, leaf_index: int, tree_size: int, path: list[bytes]) -> dict:
    return {"record_id": record_id, "leaf_index": leaf_index, "tree_size": tree_size,
            "audit_path": [h.hex() for h in path]}


def head_json(head: TreeHead) -> dict:
    return {"format": FORMAT, "tree_size": head.tree_size, "timestamp_ms": head.timestamp_ms,
            "root_hash": head.root_hash.hex(), "signature": base64.b64encode(head.signature).decode(),
            "key_id": head.key_id, "algorithm": head.algorithm}


def head_of(item: Mapping) -> TreeHead:
    return TreeHead(tree_size=int(item["tree_size"]), timestamp_ms=int(item["timestamp_ms"]),
                    root_hash=bytes.fromhex(item["root_hash"]), signature=base64.b64decode(item["signature"]),
                    key_id=item["key_id"], algorithm=item["algorithm"])


def key_json(key: LogKey) -> dict:
    pem = serialization.load_der_public_key(key.public_key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"key_id": key.key_id, "algorithm": key.algorithm, "public_key_pem": pem,
            "not_before": leaf.timestamp_text(key.not_before),
            "not_after": leaf.timestamp_text(key.not_after) if key.not_after else None}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
