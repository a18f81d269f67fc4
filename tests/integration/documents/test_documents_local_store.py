"""The local folder store of `make run`: same contract as S3, atomic writes, checked keys."""
from __future__ import annotations

import uuid

import pytest

from documents.adapters.object_store import LocalObjectStore


def test_put_get_delete(tmp_path):
    store = LocalObjectStore(tmp_path / "docs")
    store.ensure_bucket()
    key = uuid.uuid4().hex
    store.put(key, b"bonjour", "text/plain")
    assert store.get(key) == b"bonjour"
    assert [p.name for p in (tmp_path / "docs").rglob("*") if p.is_file()] == [key]   # no temporary left behind
    store.delete(key)
    store.delete(key)                                   # deleting twice is fine, as on S3
    with pytest.raises(FileNotFoundError):
        store.get(key)


@pytest.mark.parametrize("key", ["../etc/passwd", "ABC", "", "0" * 31])
def test_keys_are_ours_only(tmp_path, key):
    with pytest.raises(ValueError):
        LocalObjectStore(tmp_path).put(key, b"x", "text/plain")
