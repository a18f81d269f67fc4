"""Signed tree heads (RFC 6962 §3.5), signed with the log's own Ed25519 key.

A head is signed when a reader asks for the latest one and the tree has grown since the last head,
when an inclusion proof needs a head that includes its leaf, and periodically by a background
thread, so that the log commits to its content even when nobody asks. Heads are unique by tree
size: replicas signing the same size keep the first one stored.
"""
from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from datetime import datetime

from audit.domain import merkle
from audit.domain.models import TreeHead
from audit.domain.ports import HeadSigner


def tree_head_message(timestamp_ms: int, tree_size: int, root_hash: bytes) -> bytes:
    """The TreeHeadSignature structure: version v1 (0), signature_type tree_hash (1), timestamp in
    milliseconds, tree_size (uint64 each, big-endian), then the 32-byte SHA-256 root hash."""
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root_hash


def tree_root(repo, size: int) -> bytes:
    return merkle.range_hashes([(0, size)], repo.stored_hashes)[0]


class TreeHeads:
    """`signer()` is the log's key as it is now: an operator rotates it while the service runs. Each
    new key is published in the log before it signs; the retired ones stay there, so the heads
    they signed still verify."""

    def __init__(self, unit_of_work: Callable, signer: Callable[[], HeadSigner], now: Callable[[], datetime]):
        self._unit_of_work, self._signer, self._now = unit_of_work, signer, now
        self._registered_key = ""
        self._lock = threading.Lock()

    def register_key(self) -> HeadSigner:
        """The current key, published in the log (once per key), retiring any other current key."""
        signer = self._signer()
        if self._registered_key != signer.key_id:
            with self._unit_of_work() as repo:
                repo.register_key(signer.key_id, signer.algorithm, signer.public_key, self._now())
            self._registered_key = signer.key_id
        return signer

    def latest(self, covering: int | None = None) -> TreeHead:
        """The latest signed head, after signing one for the current size if the tree has grown
        since (or, given `covering`, only if the latest head has fewer leaves than that)."""
        signer = self.register_key()
        with self._lock, self._unit_of_work() as repo:
            head = repo.latest_head()
            if head is not None and covering is not None and head.tree_size >= covering:
                return head
            size = repo.tree_size()
            if head is not None and head.tree_size >= size:
                return head
            root = tree_root(repo, size)
            timestamp_ms = int(self._now().timestamp() * 1000)
            if head is not None:
                timestamp_ms = max(timestamp_ms, head.timestamp_ms)
            signature = signer.sign(tree_head_message(timestamp_ms, size, root))
            return repo.add_head(TreeHead(size, timestamp_ms, root, signature, signer.key_id, signer.algorithm))

    def keys(self):
        self.register_key()
        with self._unit_of_work() as repo:
            return repo.log_keys()

