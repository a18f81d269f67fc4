"""RFC 6962 Merkle tree hashing and proofs, computed over ranges of leaves (no I/O).

A *node* is a perfect subtree `(level, index)`: the leaves [index * 2**level, (index + 1) * 2**level).
Every range that the RFC 6962 recursion (split at the largest power of two below the size) produces
is made of perfect subtrees aligned on their size, so the hash of any such range, and therefore any
audit path or consistency proof, needs O(log n) perfect subtree hashes.

Storage keeps the leaf hashes (level 0) and the perfect subtrees whose level is a multiple of
`STRIDE` (about one stored node per 15 leaves); any other perfect subtree is folded from at most
2**(STRIDE - 1) stored nodes below it. A proof therefore reads O(STRIDE-bound * log n) hashes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

Node = tuple[int, int]          # (level, index)
Range = tuple[int, int]         # [start, end) in leaf indexes

STRIDE = 4
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf_input: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly below `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


# ---- ranges made of perfect subtrees ----
def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up [start, end), left to right, largest first.

    Valid for every range the RFC 6962 recursion produces (start aligned on the largest power of
    two not above the range's size); anything else is a programming error.
    """
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"range [{start}, {end}) is not aligned")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from the hashes of its perfect subtrees, left to right."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def is_stored(level: int) -> bool:
    return level % STRIDE == 0


def stored_parts(node: Node) -> list[Node]:
    """The stored nodes (leaves, or levels that are multiples of STRIDE) under `node`."""
    level, index = node
    base = level - level % STRIDE
    span = 1 << (level - base)
    return [(base, index * span + i) for i in range(span)]


def perfect_hash(node: Node, stored: Mapping[Node, bytes]) -> bytes:
    hashes = [stored[part] for part in stored_parts(node)]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def range_hashes(ranges: Iterable[Range], fetch: Callable[[set[Node]], Mapping[Node, bytes]]) -> list[bytes]:
    """The Merkle tree hash of each range, with one call to `fetch` for every stored node needed.

    `fetch(nodes)` returns the hash of each stored node asked for (missing ones raise KeyError).
    """
    ranges = list(ranges)
    parts = [perfect_nodes(start, end) for start, end in ranges]
    wanted = {part for nodes in parts for node in nodes for part in stored_parts(node)}
    stored = fetch(wanted) if wanted else {}
    return [fold([perfect_hash(node, stored) for node in nodes]) for nodes in parts]


# ---- proofs as ranges (RFC 6962 §2.1.1 and §2.1.2) ----
def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[0:size]): the ranges whose hashes form the audit path, from the leaf upwards."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    ranges, start, end = [], 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(first, D[0:second]) = SUBPROOF(first, D[0:second], true); empty when first is 0 or second."""
    if not 0 <= first <= second:
        raise ValueError("tree sizes out of order")
    if first in (0, second):
        return []
    ranges, start, end, m, whole = [], 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    return ranges[::-1]


# ---- appending: the compact range [0, size) ----
class Frontier:
    """The perfect subtrees of [0, size), largest first: enough to append leaves and get the root."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()):
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a frontier has one hash per set bit of its size")
        self.size = size
        self.hashes = list(hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the perfect subtrees (level >= 1) it completes, lowest first."""
        size = self.size + 1
        completed, value, level = [], leaf, 0
        while not size >> level & 1:       # one merge per trailing zero bit of the new size
            value = node_hash(self.hashes.pop(), value)
            level += 1
            completed.append((level, (size >> level) - 1, value))
        self.hashes.append(value)
        self.size = size
        return completed

    def root(self) -> bytes:
        return fold(self.hashes)


def frontier_at(size: int, fetch: Callable[[set[Node]], Mapping[Node, bytes]]) -> Frontier:
    nodes = perfect_nodes(0, size)
    wanted = {part for node in nodes for part in stored_parts(node)}
    stored = fetch(wanted) if wanted else {}
    return Frontier(size, [perfect_hash(node, stored) for node in nodes])


# ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2), for clients and tests ----
def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("audit path too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("audit path too short")
    return result


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:      # a power of two: the old root is a node of the new tree
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
