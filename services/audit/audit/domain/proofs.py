"""Tree heads, inclusion and consistency proofs, leaves and keys (RFC 6962 §2.1, §4).

A proof for a tree of n leaves reads O(log n) perfect subtree hashes (each folded from at most
8 stored hashes) with one query: no proof needs the whole tree in memory.
"""
from __future__ import annotations

from dataclasses import dataclass

from meskit.auth import Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound

from audit.domain import access, leaf, merkle, visibility
from audit.domain.models import LogKey, StoredRecord, TreeHead, canonical_id
from audit.domain.ports import Dependencies

MAX_LEAVES_PER_CALL = 1000


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    audit_path: list[bytes]
    tree_head: TreeHead | None        # set when the log signed a head of that size


@dataclass(frozen=True)
class Leaf:
    leaf_index: int
    leaf_hash: bytes
    leaf_input: bytes
    record_id: str


def leaf_input_of(record: StoredRecord) -> bytes:
    return leaf.leaf_input(record.entry, record.appended_at, record.commitment)


def signed_tree_head(deps: Dependencies, caller: Caller, tree_size: int) -> TreeHead:
    """tree_size 0: the latest (signed now if the tree has grown); otherwise a size the log signed."""
    if tree_size == 0:
        return deps.heads.latest()
    with deps.unit_of_work() as repo:
        head = repo.head_at(tree_size)
    if head is None:
        raise NotFound("Aucune tête d'arbre signée de cette taille")
    return head


def _resolve_size(repo, tree_size: int) -> tuple[int, TreeHead | None]:
    if tree_size > repo.tree_size():
        raise FailedPrecondition("Le journal n'a pas encore atteint cette taille", reason="TREE_SIZE_AHEAD")
    return tree_size, repo.head_at(tree_size)


def inclusion_proof(deps: Dependencies, caller: Caller, *, record_id: str = "", leaf_index: int | None = None,
                    tree_size: int = 0) -> InclusionProof:
    access.require_prover(caller)
    if not record_id and leaf_index is None:
        raise InvalidArgument("record_id ou leaf_index attendu")
    with deps.unit_of_work() as repo:
        if record_id:
            wanted = canonical_id(record_id)
            record = repo.records_by_ids({wanted}).get(wanted) if wanted else None
        elif leaf_index is not None:
            record = repo.record_at(leaf_index)
    if record is None or not access.may_prove(caller, record.entry.personal.patient_id) \
            or visibility.shown_to(record, visibility.viewer_of(caller, deps.now())) is None:
        raise NotFound("Enregistrement introuvable")
    latest = deps.heads.latest(covering=record.leaf_index + 1) if tree_size == 0 else None
    with deps.unit_of_work() as repo:
        size, head = (latest.tree_size, latest) if latest is not None else _resolve_size(repo, tree_size)
        if record.leaf_index >= size:
            raise FailedPrecondition("L'enregistrement n'est pas dans un arbre de cette taille",
                                     reason="LEAF_NOT_IN_TREE")
        path = merkle.range_hashes(merkle.inclusion_ranges(record.leaf_index, size), repo.stored_hashes)
    return InclusionProof(record.leaf_index, record.leaf_hash, size, path, head)


def consistency_proof(deps: Dependencies, caller: Caller, first: int, second: int) -> tuple[int, int, list[bytes]]:
    if second == 0:
        second = deps.heads.latest().tree_size
    if first > second:
        raise InvalidArgument("first doit être inférieur ou égal à second")
    with deps.unit_of_work() as repo:
        _resolve_size(repo, second)
        proof = merkle.range_hashes(merkle.consistency_ranges(first, second), repo.stored_hashes)
    return first, second, proof


def list_leaves(deps: Dependencies, caller: Caller, start: int, end: int) -> list[Leaf]:
    caller.require(*access.LOG_READERS)
    if end <= start:
        raise InvalidArgument("end doit être supérieur à start")
    end = min(end, start + MAX_LEAVES_PER_CALL)
    with deps.unit_of_work() as repo:
        records = repo.records_between(start, end)
    return [Leaf(r.leaf_index, r.leaf_hash, leaf_input_of(r), r.entry.record_id) for r in records]


def log_keys(deps: Dependencies, caller: Caller) -> list[LogKey]:
    return deps.heads.keys()
