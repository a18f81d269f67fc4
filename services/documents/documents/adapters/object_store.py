"""Object storage for file bytes: one interface (domain.ports.ObjectStore), two adapters.

- `S3ObjectStore`: any S3 endpoint (MinIO, AWS, a test's moto server) through the `minio` client.
- `LocalObjectStore`: a folder on disk, for `make run` when no S3 endpoint is set.

Keys are opaque random names chosen by the domain; nothing about the patient or the title is in them.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

from minio import Minio

KEY = re.compile(r"^[0-9a-f]{32}$")


def _checked(key: str) -> str:
    if not KEY.match(key):
        raise ValueError("object keys are 32 lowercase hex digits")
    return key


class S3ObjectStore:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, *, secure: bool = True,
                 region: str = "", prefix: str = "documents/"):
        self._client = Minio(endpoint, access_key=access_key or None, secret_key=secret_key or None,
                             secure=secure, region=region or None)
        self._bucket, self._prefix = bucket, prefix

    def ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self._bucket):
            self._client.make_bucket(self._bucket)

    def name(self, key: str) -> str:
        return self._prefix + _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(self._bucket, self.name(key), io.BytesIO(data), len(data), content_type=content_type)

    def get(self, key: str) -> bytes:
        response = self._client.get_object(self._bucket, self.name(key))
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        self._client.remove_object(self._bucket, self.name(key))   # S3: deleting a missing key succeeds


class LocalObjectStore:
    """Files under `root/ab/<key>`, written to a temporary name then renamed (no half-written file)."""

    def __init__(self, root: str | Path):
        self._root = Path(root)

    def ensure_bucket(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        key = _checked(key)
        return self._root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
