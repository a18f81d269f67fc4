"""The one object store, on a real S3 endpoint (moto) and on a folder: the same contract for both."""
from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from meskit.config import ObjectStoreSettings, load
from meskit.objects import CHUNK_BYTES, FolderStore, ObjectNotFound, S3Store, object_store


@pytest.fixture(params=["s3", "folder"])
def store(request, s3_endpoint, tmp_path):
    if request.param == "folder":
        return FolderStore(tmp_path / "objects", prefix="files/")
    return S3Store(s3_endpoint, "test", "test-secret", f"kit-{uuid.uuid4().hex[:12]}", secure=False,
                   region="us-east-1", prefix="files/")


def key() -> str:
    return uuid.uuid4().hex


class TestObjects:
    def test_put_get_delete(self, store):
        k = key()
        store.put(k, b"bonjour", "text/plain")
        assert store.get(k) == b"bonjour"
        store.put(k, b"au revoir", "text/plain")             # a second put replaces the object
        assert store.get(k) == b"au revoir"
        store.delete(k)
        store.delete(k)                                     # deleting twice is fine, as on S3
        with pytest.raises(ObjectNotFound):
            store.get(k)

    def test_the_bucket_is_made_by_the_first_write_or_by_ensure_bucket(self, store):
        store.ensure_bucket()
        store.ensure_bucket()                               # at every start: idempotent
        k = f"print-files/2026-03-10/{key()}.json"
        store.put(k, b"{}", "application/json")
        assert store.get(k) == b"{}"

    def test_put_file_streams_a_file_and_tells_where_it_is(self, store, tmp_path):
        source = tmp_path / "print.zip"
        source.write_bytes(bytes(range(256)) * 5000)         # more than one chunk
        k = f"print-files/b1/{key()}.zip"
        location = store.put_file(k, source, "application/zip")
        assert store.get(k) == source.read_bytes()
        assert location == (f"s3://{store.bucket}/files/{k}" if isinstance(store, S3Store)
                            else str(store.root / "files" / k))
        assert store.put(k, b"x", "application/zip") == location

    def test_stream_gives_the_object_in_chunks(self, store):
        k, data = key(), bytes(range(256)) * 4000
        store.put(k, data, "application/octet-stream")
        chunks = list(store.stream(k, chunk_size=64 * 1024))
        assert b"".join(chunks) == data and len(chunks) > 1
        assert all(len(c) <= 64 * 1024 for c in chunks) and CHUNK_BYTES >= 64 * 1024

    def test_stream_of_a_missing_object_fails_before_the_first_chunk(self, store):
        with pytest.raises(ObjectNotFound):
            store.stream(key())

    def test_listing_gives_every_key_under_the_prefix_in_byte_order_with_its_size(self, store, s3_endpoint):
        assert list(store.listing()) == []                  # no bucket or folder yet
        for name, data in (("a0", b"1"), ("a/b", b"22"), ("a-b", b"333"), ("a/a/c", b"4444"), ("B", b"55555")):
            store.put(name, data, "application/octet-stream")
        other = (S3Store(s3_endpoint, "test", "test-secret", store.bucket, secure=False,
                         region="us-east-1", prefix="others/") if isinstance(store, S3Store)
                 else FolderStore(store.root, prefix="others/"))
        other.put("z", b"outside the prefix", "text/plain")
        assert list(store.listing()) == [("B", 5), ("a-b", 3), ("a/a/c", 4), ("a/b", 2), ("a0", 1)]

    @pytest.mark.parametrize("bad", ["../etc/passwd", "a/../../b", "/etc/passwd", "", "a//b", "a/", ".hidden",
                                     "a\\b", "a\x00b", "é", "a b", "x" * 513])
    def test_keys_cannot_leave_their_prefix(self, store, bad):
        with pytest.raises(ValueError):
            store.put(bad, b"x", "text/plain")
        with pytest.raises(ValueError):
            store.get(bad)


class TestFolderStore:
    def test_writes_leave_no_temporary_file_behind(self, tmp_path):
        store = FolderStore(tmp_path / "docs", prefix="documents/")
        k = key()
        store.put(k, b"bonjour", "text/plain")
        assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()] == [
            Path("docs", "documents", k)]

    def test_a_failed_write_keeps_the_previous_object(self, tmp_path):
        store = FolderStore(tmp_path)
        k = key()
        store.put(k, b"first", "text/plain")
        with pytest.raises(FileNotFoundError):
            store.put_file(k, tmp_path / "missing.zip", "application/zip")
        assert store.get(k) == b"first"
        assert sorted(p.name for p in tmp_path.iterdir()) == [k]


class TestSettings:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Settings(ObjectStoreSettings):
        pass

    def test_s3_when_an_endpoint_is_set_even_with_a_folder(self, tmp_path):
        settings = load(self.Settings, {"S3_ENDPOINT": "minio:9000", "S3_BUCKET": "mes-x", "S3_SECURE": "false"})
        store = object_store(settings, tmp_path, prefix="documents/")
        assert isinstance(store, S3Store) and store.location("k1") == "s3://mes-x/documents/k1"

    def test_the_folder_without_an_endpoint(self, tmp_path):
        store = object_store(load(self.Settings, {}), tmp_path)
        assert isinstance(store, FolderStore) and store.path("a/b") == tmp_path / "a" / "b"

    def test_neither_gives_no_store(self):
        assert object_store(load(self.Settings, {}), "") is None

    def test_a_prefix_must_be_a_relative_folder_name(self, tmp_path):
        with pytest.raises(ValueError):
            FolderStore(tmp_path, prefix="../up/")
        with pytest.raises(ValueError):
            FolderStore(tmp_path, prefix="documents")
