"""Checking the activity history against the audit log's proofs (RFC 6962 / RFC 9162), as a
verifier outside the log does: an inclusion proof leads from a record's leaf hash to the root of a
signed tree head, the head's Ed25519 signature is checked with the log's published key, and a
consistency proof shows a newer head extends an older one (the log is append-only).

Pure functions on the gateway's JSON (bytes in base64): no I/O. The same algorithms as
services/audit/audit/domain/merkle.py, which the portal does not import (another service)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key


class ProofError(ValueError):
    """A proof, head or key that is malformed (not merely false)."""


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root the audit path leads to from `leaf` at `index` in a tree of `size` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError("leaf index outside the tree")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ProofError("audit path too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("audit path too short")
    return result


def consistent(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `second` leaves extends the one of `first` (RFC 9162 §2.1.4.2)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def tree_head_message(timestamp_ms: int, tree_size: int, root_hash: bytes) -> bytes:
    """RFC 6962 §3.5 TreeHeadSignature: version v1 (0), signature_type tree_hash (1), timestamp in
    milliseconds and tree_size (uint64, big-endian), then the 32-byte root hash."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root_hash


def b64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ProofError("not base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProofError("not base64") from None


def uint(value: object) -> int:
    """A uint64 of the JSON (a string, or a number; absent = 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, str, type(None))):
        raise ProofError("not an integer")
    try:
        number = int(value or 0)
    except ValueError:
        raise ProofError("not an integer") from None
    if number < 0:
        raise ProofError("negative")
    return number


@dataclass(frozen=True)
class Head:
    """A tree head whose signature was checked."""

    tree_size: int
    root_hash: bytes
    timestamp: datetime


def verified_head(head: dict, keys: Sequence[dict]) -> Head:
    """The head, once its Ed25519 signature checks with the published key it names; ProofError otherwise."""
    size, root = uint(head.get("treeSize")), b64(head.get("rootHash", ""))
    if len(root) != 32:
        raise ProofError("a root hash has 32 bytes")
    try:
        when = datetime.fromisoformat(str(head.get("timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        raise ProofError("no timestamp") from None
    timestamp_ms = round(when.timestamp() * 1000)
    key = next((k for k in keys if k.get("keyId") == head.get("keyId")), None)
    if key is None or (key.get("algorithm") or "Ed25519") != "Ed25519":
        raise ProofError("no published Ed25519 key of that id")
    try:
        public = load_der_public_key(b64(key.get("publicKey", "")))
    except ValueError:
        raise ProofError("not a public key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise ProofError("not an Ed25519 key")
    try:
        public.verify(b64(head.get("signature", "")), tree_head_message(timestamp_ms, size, root))
    except InvalidSignature:
        raise ProofError("the signature does not verify") from None
    return Head(size, root, when)


def record_included(record: dict, proof: dict, head: Head) -> bool:
    """Whether the proof leads from the record's own leaf hash, at its own index, to the head's root."""
    try:
        leaf, index = b64(record.get("leafHash", "")), uint(record.get("leafIndex"))
        if proof.get("leafHash", "") and b64(proof["leafHash"]) != leaf:
            return False
        if uint(proof.get("leafIndex")) != index or uint(proof.get("treeSize")) != head.tree_size:
            return False
        path = [b64(sibling) for sibling in proof.get("auditPath", [])]
        return root_from_inclusion(index, head.tree_size, leaf, path) == head.root_hash
    except ProofError:
        return False
