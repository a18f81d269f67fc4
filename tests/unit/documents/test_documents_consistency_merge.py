"""The merge of documents' rows with the object store's listing (documents.domain.consistency)."""
from __future__ import annotations

import hashlib

import pytest

from documents.domain.consistency import Counts, OutOfOrder, StoredDocument, StoredObject, check

BYTES = {"k1": b"ordonnance", "k2": b"compte rendu", "k3": b"radio"}


def row(document_id: str, key: str, *, tombstone: bool = False, data: bytes | None = None) -> StoredDocument:
    data = BYTES.get(key, b"") if data is None else data
    return StoredDocument(document_id, key, len(data), hashlib.sha256(data).hexdigest(), tombstone)


def obj(key: str, data: bytes | None = None) -> StoredObject:
    return StoredObject(key, len(BYTES[key] if data is None else data))


def hashed(stored: dict[str, bytes]):
    read: list[str] = []

    def sha256_of(key: str) -> str | None:
        read.append(key)
        return hashlib.sha256(stored[key]).hexdigest() if key in stored else None
    return sha256_of, read


def lines(rows, objects, sha256_of=None, counts=None) -> list[str]:
    return [f.line() for f in check(rows, objects, sha256_of, counts or Counts())]


def test_matching_sides_are_consistent_and_every_object_is_hashed_once():
    counts = Counts()
    sha256_of, read = hashed(BYTES)
    assert lines([row("d1", "k1"), row("d2", "k2"), row("d3", "k3")], [obj("k1"), obj("k2"), obj("k3")],
                 sha256_of, counts) == []
    assert read == ["k1", "k2", "k3"]
    assert counts.line() == "documents' objects checked: 3 documents, 3 objects (3 hashed): consistent"


def test_a_missing_object_an_orphan_and_a_size_are_named_by_document_id_and_key():
    counts = Counts()
    found = lines([row("d1", "k1"), row("d2", "k2", data=b"longer than stored")], [obj("k2"), obj("k3")],
                  hashed(BYTES)[0], counts)
    assert found == ["document d1 object k1: its object is missing",
                     "document d2 object k2: its object has 12 bytes, 18 recorded",
                     "object k3: orphan object (5 bytes): no document row"]
    assert (counts.documents, counts.objects, counts.hashed, counts.findings) == (2, 2, 0, 3)


def test_altered_bytes_of_the_same_size_are_found_by_their_hash():
    sha256_of, _ = hashed({"k1": b"ORDONNANCE"})
    assert lines([row("d1", "k1")], [obj("k1")], sha256_of) == [
        "document d1 object k1: its object's SHA-256 differs from the recorded one (the bytes were altered)"]


def test_an_object_gone_between_the_listing_and_its_read_is_missing():
    assert lines([row("d1", "k1")], [obj("k1")], hashed({})[0]) == ["document d1 object k1: its object is missing"]


def test_a_tombstone_must_have_no_object():
    assert lines([row("d1", "k1", tombstone=True)], []) == []
    assert lines([row("d1", "k1", tombstone=True)], [obj("k1")]) == [
        "document d1 object k1: deleted by its author but its object remains"]


def test_sizes_only_reads_no_bytes():
    counts = Counts()
    assert lines([row("d1", "k1")], [obj("k1")], None, counts) == [] and counts.hashed == 0


def test_rows_sharing_a_key_each_meet_the_object():
    counts = Counts()
    assert lines([row("d1", "k1"), row("d2", "k1", data=b"x")], [obj("k1")], hashed(BYTES)[0], counts) == [
        "document d2 object k1: its object has 10 bytes, 1 recorded"]
    assert (counts.documents, counts.objects) == (2, 1)


@pytest.mark.parametrize("rows, objects", [([row("d2", "k2"), row("d1", "k1")], [obj("k1"), obj("k2")]),
                                           ([row("d1", "k1")], [obj("k2"), obj("k1")])])
def test_a_side_out_of_key_order_stops_the_check(rows, objects):
    with pytest.raises(OutOfOrder):
        lines(rows, objects, hashed(BYTES)[0])
