"""The portal's check of the history against the audit log's proofs (portal.merkle): a true proof and
a signed head verify; a tampered leaf, audit path, root or signature does not; consistency proofs."""
from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from portal import merkle
from portal.pages import history


def leaf(i: int) -> bytes:
    return hashlib.sha256(b"\x00" + f"record {i}".encode()).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle tree hash, by its definition."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def enc(value: bytes) -> str:
    return base64.b64encode(value).decode()


KEY = Ed25519PrivateKey.generate()
KEYS = [{"keyId": "cle-1", "algorithm": "Ed25519",
         "publicKey": enc(KEY.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))}]
WHEN = datetime(2026, 12, 2, 18, 1, 58, 48000, tzinfo=timezone.utc)


def signed_head(leaves: list[bytes], key=KEY, when: datetime = WHEN) -> dict:
    root = mth(leaves)
    message = merkle.tree_head_message(round(when.timestamp() * 1000), len(leaves), root)
    return {"treeSize": str(len(leaves)), "timestamp": when.isoformat().replace("+00:00", "Z"),
            "rootHash": enc(root), "signature": enc(key.sign(message)), "keyId": "cle-1",
            "signatureAlgorithm": "Ed25519"}


def record_and_proof(index: int, leaves: list[bytes]) -> tuple[dict, dict]:
    record = {"recordId": f"r{index}", "leafIndex": str(index), "leafHash": enc(leaves[index])}
    proof = {"leafIndex": str(index), "leafHash": enc(leaves[index]), "treeSize": str(len(leaves)),
             "auditPath": [enc(h) for h in path(index, leaves)], "treeHead": signed_head(leaves)}
    return record, proof


LEAVES = [leaf(i) for i in range(7)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7])
def test_every_leaf_of_a_tree_is_proved_included_in_the_signed_head(size):
    leaves = LEAVES[:size]
    head = merkle.verified_head(signed_head(leaves), KEYS)
    assert (head.tree_size, head.root_hash) == (size, mth(leaves))
    for index in range(size):
        record, proof = record_and_proof(index, leaves)
        assert merkle.record_included(record, proof, head)


def test_a_tampered_leaf_path_or_index_is_not_included():
    head = merkle.verified_head(signed_head(LEAVES), KEYS)
    record, proof = record_and_proof(3, LEAVES)
    assert not merkle.record_included({**record, "leafHash": enc(leaf(99))}, {**proof, "leafHash": ""}, head)
    assert not merkle.record_included({**record, "leafHash": enc(leaf(99))}, proof, head)
    bad_path = list(proof["auditPath"])
    bad_path[1] = enc(leaf(42))
    assert not merkle.record_included(record, {**proof, "auditPath": bad_path}, head)
    assert not merkle.record_included(record, {**proof, "auditPath": proof["auditPath"][:-1]}, head)
    assert not merkle.record_included({**record, "leafIndex": "2"}, {**proof, "leafIndex": "2"}, head)
    assert not merkle.record_included(record, {**proof, "auditPath": ["pas du base64!"]}, head)


def test_a_head_with_a_tampered_root_size_time_or_signature_is_refused():
    good = signed_head(LEAVES)
    for tampered in ({**good, "rootHash": enc(leaf(5))}, {**good, "treeSize": "8"},
                     {**good, "timestamp": "2026-12-02T18:01:59.048Z"},
                     {**good, "signature": signed_head(LEAVES[:6])["signature"]},
                     signed_head(LEAVES, key=Ed25519PrivateKey.generate()),
                     {**good, "keyId": "cle-inconnue"}, {**good, "signature": "%%%"}):
        with pytest.raises(merkle.ProofError):
            merkle.verified_head(tampered, KEYS)


@pytest.mark.parametrize("first", range(1, 8))
def test_consistency_proofs_between_every_pair_of_sizes(first):
    for second in range(first, 8):
        proof = subproof(first, LEAVES[:second], True)
        assert merkle.consistent(first, second, mth(LEAVES[:first]), mth(LEAVES[:second]), proof)
        if second > first:
            assert not merkle.consistent(first, second, leaf(50), mth(LEAVES[:second]), proof)
            assert not merkle.consistent(first, second, mth(LEAVES[:first]), mth(LEAVES[:second]),
                                         proof[:-1] + [leaf(51)])


class FakeGateway:
    def __init__(self, proofs: dict, keys=KEYS, consistency=None):
        self.proofs, self.keys, self.consistency = proofs, keys, consistency

    async def call(self, method, path, **kwargs):
        if path == "/v1/audit/log-keys":
            return {"keys": self.keys}
        if path.startswith("/v1/audit/consistency-proofs"):
            return self.consistency
        return self.proofs[path.rsplit("/", 1)[1]]


def test_the_page_check_says_verified_then_failed_for_a_tampered_proof():
    records, proofs = [], {}
    for index in (6, 4, 1):
        record, proof = record_and_proof(index, LEAVES)
        records.append(record)
        proofs[record["recordId"]] = proof
    result = asyncio.run(history.check(FakeGateway(proofs), "jeton", records, None))
    assert result.state == history.VERIFIED and result.failed == set()
    assert (result.head.tree_size, result.head.root_hash) == (7, mth(LEAVES))

    proofs["r4"] = {**proofs["r4"], "auditPath": [enc(leaf(77))] + proofs["r4"]["auditPath"][1:]}
    result = asyncio.run(history.check(FakeGateway(proofs), "jeton", records, None))
    assert result.state == history.FAILED and result.failed == {"r4"}

    # The head remembered from a previous visit: a size 5 head, and the log now at 7.
    old = {"size": 5, "root": enc(mth(LEAVES[:5]))}
    proofs["r4"] = record_and_proof(4, LEAVES)[1]
    good = {"proof": [enc(h) for h in subproof(5, LEAVES, True)]}
    assert asyncio.run(history.check(FakeGateway(proofs, consistency=good), "jeton", records, old)).state == \
        history.VERIFIED
    forked = {"size": 5, "root": enc(leaf(60))}
    result = asyncio.run(history.check(FakeGateway(proofs, consistency=good), "jeton", records, forked))
    assert result.state == history.FAILED and not result.append_only
