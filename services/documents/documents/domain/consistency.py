"""Documents' rows against the object store: every row has its object with the recorded size and
SHA-256, a tombstone has none, and every object has its row.

Both sides come in byte order of the object key and are merged as they stream: O(1) memory
whatever the bucket holds. Findings name documents by id and objects by key, nothing else (no
title, no patient, no content).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

Item = TypeVar("Item")


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    object_key: str
    size_bytes: int
    sha256: str
    tombstone: bool                 # deleted by its author: the row stays, the object must be gone


@dataclass(frozen=True)
class StoredObject:
    key: str
    size_bytes: int


@dataclass(frozen=True)
class Finding:
    problem: str
    object_key: str
    document_id: str = ""

    def line(self) -> str:
        where = f"document {self.document_id} object {self.object_key}" if self.document_id \
            else f"object {self.object_key}"
        return f"{where}: {self.problem}"


@dataclass
class Counts:
    documents: int = 0
    objects: int = 0
    hashed: int = 0
    findings: int = 0

    def line(self) -> str:
        outcome = "consistent" if not self.findings else f"{self.findings} problem(s)"
        return (f"documents' objects checked: {self.documents} documents, {self.objects} objects "
                f"({self.hashed} hashed): {outcome}")


class OutOfOrder(ValueError):
    """A side did not come in key order: the merge would report false findings, so it stops."""


def check(documents: Iterable[StoredDocument], objects: Iterable[StoredObject],
          sha256_of: Callable[[str], str | None] | None, counts: Counts) -> Iterator[Finding]:
    """`sha256_of(key)`: the hex SHA-256 of the object's bytes, None if it is gone; None to compare
    sizes only. The findings as they are met; `counts` is complete once they are all drawn."""
    rows = _in_order(documents, lambda d: d.object_key, "documents")
    stored = _in_order(objects, lambda o: o.key, "objects")
    row, obj = next(rows, None), next(stored, None)
    while row is not None or obj is not None:
        if row is not None and (obj is None or row.object_key < obj.key):
            counts.documents += 1
            if not row.tombstone:
                yield _found(counts, Finding("its object is missing", row.object_key, row.document_id))
            row = next(rows, None)
        elif obj is not None and (row is None or obj.key < row.object_key):
            counts.objects += 1
            yield _found(counts, Finding(f"orphan object ({obj.size_bytes} bytes): no document row", obj.key))
            obj = next(stored, None)
        else:
            assert row is not None and obj is not None, "both sides are at the same key"
            counts.documents += 1
            problem = _compare(row, obj, sha256_of, counts)
            if problem:
                yield _found(counts, Finding(problem, row.object_key, row.document_id))
            row = next(rows, None)
            if row is None or row.object_key != obj.key:      # rows sharing a key each meet the object
                counts.objects += 1
                obj = next(stored, None)


def _compare(row: StoredDocument, obj: StoredObject, sha256_of: Callable[[str], str | None] | None,
             counts: Counts) -> str:
    if row.tombstone:
        return "deleted by its author but its object remains"
    if obj.size_bytes != row.size_bytes:
        return f"its object has {obj.size_bytes} bytes, {row.size_bytes} recorded"
    if sha256_of is None:
        return ""
    counts.hashed += 1
    digest = sha256_of(obj.key)
    if digest is None:
        return "its object is missing"
    if digest != row.sha256.lower():
        return "its object's SHA-256 differs from the recorded one (the bytes were altered)"
    return ""


def _found(counts: Counts, finding: Finding) -> Finding:
    counts.findings += 1
    return finding


def _in_order(items: Iterable[Item], key: Callable[[Item], str], side: str) -> Iterator[Item]:
    previous = ""
    for item in items:
        if key(item) < previous:
            raise OutOfOrder(f"the {side} did not come in key order ({key(item)} after {previous})")
        previous = key(item)
        yield item
