"""RFC 6962 hashing and proofs: published test vectors, and every (index, size) pair up to 40 leaves
checked against a reference written here from the RFC's recursive definitions."""
from __future__ import annotations

import hashlib

import pytest

from audit.domain import merkle

# The test vectors of the RFC 6962 reference implementation (certificate-transparency, trillian).
LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
          bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
INCLUSION = {(0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
             (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
             (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
             (1, 5): ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]}
CONSISTENCY = {(1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
               (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
               (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]}


# ---- the reference: RFC 6962 §2.1 word for word, over a list of leaf inputs ----
def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def k_of(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return h(b"")
    if len(d) == 1:
        return h(b"\x00" + d[0])
    k = k_of(len(d))
    return h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = k_of(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = k_of(len(d))
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def check_inclusion(index: int, size: int, leaf_hash: bytes, audit_path: list[bytes], root: bytes) -> bool:
    """An independent verifier: rebuild the root by walking up from the leaf (RFC 9162 §2.1.3.2)."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in audit_path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = h(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r == root


def data(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(n)]


def store_of(d: list[bytes]) -> dict:
    """What the service stores: leaf hashes and the subtrees at levels multiple of STRIDE."""
    store, frontier = {}, merkle.Frontier()
    for i, item in enumerate(d):
        leaf = merkle.leaf_hash(item)
        store[(0, i)] = leaf
        for level, index, value in frontier.append(leaf):
            if merkle.is_stored(level):
                store[(level, index)] = value
    return store


def fetcher(store: dict):
    asked = []

    def fetch(nodes):
        asked.append(len(nodes))
        return {node: store[node] for node in nodes}
    fetch.asked = asked
    return fetch


MAX = 40
D = data(MAX)
STORE = store_of(D)


class TestHashing:
    def test_leaf_and_node_hashes_use_the_rfc_6962_prefixes(self):
        assert merkle.leaf_hash(b"abc") == h(b"\x00abc")
        assert merkle.node_hash(b"L" * 32, b"R" * 32) == h(b"\x01" + b"L" * 32 + b"R" * 32)

    def test_empty_tree_root_is_the_hash_of_nothing(self):
        assert merkle.Frontier().root() == h(b"") == merkle.EMPTY_ROOT

    def test_roots_match_the_published_vectors(self):
        frontier = merkle.Frontier()
        for item, expected in zip(LEAVES, ROOTS):
            frontier.append(merkle.leaf_hash(item))
            assert frontier.root().hex() == expected

    @pytest.mark.parametrize("size", range(0, MAX + 1))
    def test_frontier_root_matches_the_reference_for_every_size(self, size):
        frontier = merkle.Frontier()
        for item in D[:size]:
            frontier.append(merkle.leaf_hash(item))
        assert frontier.root() == mth(D[:size])

    @pytest.mark.parametrize("size", range(0, MAX + 1))
    def test_frontier_rebuilt_from_stored_nodes_equals_the_incremental_one(self, size):
        incremental = merkle.Frontier()
        for item in D[:size]:
            incremental.append(merkle.leaf_hash(item))
        rebuilt = merkle.frontier_at(size, fetcher(STORE))
        assert rebuilt.hashes == incremental.hashes and rebuilt.root() == mth(D[:size])

    def test_appending_completes_the_expected_perfect_subtrees(self):
        frontier = merkle.Frontier()
        completed = []
        for item in D[:16]:
            completed += [(level, index) for level, index, _ in frontier.append(merkle.leaf_hash(item))]
        assert completed[-4:] == [(1, 7), (2, 3), (3, 1), (4, 0)]
        assert len(completed) == 15          # a tree of 16 leaves has 15 inner nodes

    def test_only_every_fourth_level_is_stored(self):
        levels = {level for level, _ in STORE}
        assert levels == {0, 4}              # 40 leaves: leaves and subtrees of 16


class TestInclusion:
    @pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
    def test_audit_paths_match_the_published_vectors(self, index, size):
        store = store_of(LEAVES)
        proof = merkle.range_hashes(merkle.inclusion_ranges(index, size), fetcher(store))
        assert [p.hex() for p in proof] == INCLUSION[(index, size)]

    def test_every_index_and_size_up_to_40_matches_the_reference_and_verifies(self):
        for size in range(1, MAX + 1):
            root = mth(D[:size])
            for index in range(size):
                fetch = fetcher(STORE)
                proof = merkle.range_hashes(merkle.inclusion_ranges(index, size), fetch)
                assert proof == path(index, D[:size]), (index, size)
                assert check_inclusion(index, size, merkle.leaf_hash(D[index]), proof, root), (index, size)
                assert merkle.root_from_inclusion(index, size, merkle.leaf_hash(D[index]), proof) == root
                assert len(fetch.asked) == (1 if proof else 0)     # one read for the whole proof

    def test_a_proof_reads_few_stored_hashes_even_for_a_large_tree(self):
        size, index = 1_000_003, 123_457
        wanted = set()
        for start, end in merkle.inclusion_ranges(index, size):
            for node in merkle.perfect_nodes(start, end):
                wanted.update(merkle.stored_parts(node))
        assert len(merkle.inclusion_ranges(index, size)) <= 20
        assert len(wanted) <= 8 * 20 * 2

    def test_a_wrong_leaf_or_sibling_does_not_verify(self):
        size, index = 13, 6
        root = mth(D[:size])
        proof = merkle.range_hashes(merkle.inclusion_ranges(index, size), fetcher(STORE))
        assert not check_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, root)
        assert not check_inclusion(index, size, merkle.leaf_hash(D[index]), [proof[0][::-1], *proof[1:]], root)
        assert not check_inclusion(index + 1, size, merkle.leaf_hash(D[index]), proof, root)

    def test_an_index_outside_the_tree_is_refused(self):
        with pytest.raises(ValueError):
            merkle.inclusion_ranges(5, 5)


class TestConsistency:
    @pytest.mark.parametrize(("first", "second"), sorted(CONSISTENCY))
    def test_proofs_match_the_published_vectors(self, first, second):
        store = store_of(LEAVES)
        proof = merkle.range_hashes(merkle.consistency_ranges(first, second), fetcher(store))
        assert [p.hex() for p in proof] == CONSISTENCY[(first, second)]

    def test_every_pair_of_sizes_up_to_40_matches_the_reference_and_verifies(self):
        for second in range(1, MAX + 1):
            for first in range(1, second + 1):
                proof = merkle.range_hashes(merkle.consistency_ranges(first, second), fetcher(STORE))
                assert proof == (subproof(first, D[:second], True) if first < second else []), (first, second)
                assert merkle.verify_consistency(first, second, mth(D[:first]), mth(D[:second]), proof)

    def test_a_rewritten_history_does_not_verify(self):
        forged = list(D[:20])
        forged[3] = b"rewritten"
        proof = merkle.range_hashes(merkle.consistency_ranges(7, 20), fetcher(STORE))
        assert not merkle.verify_consistency(7, 20, mth(forged[:7]), mth(D[:20]), proof)
        assert not merkle.verify_consistency(7, 20, mth(D[:7]), mth(forged), proof)

    def test_from_the_empty_tree_or_to_the_same_size_the_proof_is_empty(self):
        assert merkle.consistency_ranges(0, 9) == [] and merkle.consistency_ranges(9, 9) == []
