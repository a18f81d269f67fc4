"""Object storage: bytes by key in any S3 endpoint (through the `minio` client) or in a local folder.

`object_store(settings, folder, prefix=...)` picks one: S3 when `S3_ENDPOINT` is set (MinIO, AWS, a
test's moto server), else the service's folder (`make run`). Both keep an object at `prefix + key`,
a key being a relative name chosen by the caller (`3f9a...`, `print-files/2026-03-10/manifest.json`),
checked so that none leaves its prefix. A missing object raises `ObjectNotFound` from both.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from minio import Minio
from minio.error import S3Error

if TYPE_CHECKING:
    from meskit.config import ObjectStoreSettings

CHUNK_BYTES = 256 * 1024
MAX_KEY_LENGTH = 512
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9._-]*"
_KEY = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


class ObjectNotFound(LookupError):
    pass


def checked_key(key: str) -> str:
    """A relative name of plain segments: no `..`, no leading `/`, no empty or hidden segment."""
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise ValueError("object keys are relative names of letters, digits, '.', '_' and '-' between '/'")
    return key


def _checked_prefix(prefix: str) -> str:
    if prefix and not (prefix.endswith("/") and _KEY.fullmatch(prefix[:-1])):
        raise ValueError("an object prefix is empty or a relative name ending with '/'")
    return prefix


class ObjectStore(Protocol):
    def ensure_bucket(self) -> None:
        """Create the bucket (or folder) if missing; writes also do it the first time."""

    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store `data` under `key`, replacing any object there; return where it is (path or s3:// URL)."""

    def put_file(self, key: str, source: Path, content_type: str) -> str:
        """Store the file `source` under `key` without reading it whole into memory."""

    def get(self, key: str) -> bytes: ...

    def stream(self, key: str, chunk_size: int = CHUNK_BYTES) -> Generator[bytes, None, None]:
        """The object in chunks; ObjectNotFound is raised by the call, before the first chunk."""

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing one succeeds, as on S3."""

    def listing(self) -> Iterator[tuple[str, int]]:
        """(key, size in bytes) of every object under the prefix, in byte order of the keys, read
        page by page (a missing bucket or folder holds none)."""


class S3Store:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, *, secure: bool = True,
                 region: str = "", prefix: str = ""):
        self._client = Minio(endpoint, access_key=access_key or None, secret_key=secret_key or None,
                             secure=secure, region=region or None)
        self.bucket, self._prefix = bucket, _checked_prefix(prefix)
        self._bucket_ready = False
        self._lock = threading.Lock()

    def name(self, key: str) -> str:
        return self._prefix + checked_key(key)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.name(key)}"

    def ensure_bucket(self) -> None:
        with self._lock:
            if not self._client.bucket_exists(self.bucket):
                self._client.make_bucket(self.bucket)
            self._bucket_ready = True

    def _ready(self) -> None:
        if not self._bucket_ready:
            self.ensure_bucket()

    def put(self, key: str, data: bytes, content_type: str) -> str:
        self._ready()
        self._client.put_object(self.bucket, self.name(key), io.BytesIO(data), len(data), content_type=content_type)
        return self.location(key)

    def put_file(self, key: str, source: Path, content_type: str) -> str:
        self._ready()
        self._client.fput_object(self.bucket, self.name(key), str(source), content_type=content_type)
        return self.location(key)

    def _open(self, key: str):
        try:
            return self._client.get_object(self.bucket, self.name(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectNotFound(key) from None
            raise

    def get(self, key: str) -> bytes:
        response = self._open(key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def stream(self, key: str, chunk_size: int = CHUNK_BYTES) -> Generator[bytes, None, None]:
        return self._chunks(self._open(key), chunk_size)

    @staticmethod
    def _chunks(response, chunk_size: int) -> Generator[bytes, None, None]:
        try:
            yield from response.stream(chunk_size)
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        self._client.remove_object(self.bucket, self.name(key))

    def listing(self) -> Iterator[tuple[str, int]]:
        try:
            for item in self._client.list_objects(self.bucket, prefix=self._prefix, recursive=True):
                yield item.object_name[len(self._prefix):], item.size
        except S3Error as exc:
            if exc.code != "NoSuchBucket":
                raise


class FolderStore:
    """Files under `root/prefix/key`, written to a temporary name then renamed (no half-written file)."""

    def __init__(self, root: str | Path, *, prefix: str = ""):
        self.root, self._prefix = Path(root), _checked_prefix(prefix)

    def path(self, key: str) -> Path:
        return self.root / (self._prefix + checked_key(key))

    def ensure_bucket(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def _write(self, key: str, copy) -> str:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                copy(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return str(target)

    def put(self, key: str, data: bytes, content_type: str) -> str:
        return self._write(key, lambda out: out.write(data))

    def put_file(self, key: str, source: Path, content_type: str) -> str:
        def copy(out: IO[bytes]) -> None:
            with open(source, "rb") as data:
                while chunk := data.read(CHUNK_BYTES):
                    out.write(chunk)
        return self._write(key, copy)

    def _open(self, key: str) -> IO[bytes]:
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def get(self, key: str) -> bytes:
        with self._open(key) as handle:
            return handle.read()

    def stream(self, key: str, chunk_size: int = CHUNK_BYTES) -> Generator[bytes, None, None]:
        return self._chunks(self._open(key), chunk_size)

    @staticmethod
    def _chunks(handle: IO[bytes], chunk_size: int) -> Generator[bytes, None, None]:
        with handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, int]]:
        yield from self._walk(self.root / self._prefix, "")

    def _walk(self, folder: Path, above: str) -> Iterator[tuple[str, int]]:
        """A folder's entries sorted as their keys sort: `a/...` after `a-b`, before `a0`."""
        try:
            entries = [e for e in os.scandir(folder) if not e.name.startswith(".")]   # .tmp-: a write under way
        except FileNotFoundError:
            return
        for entry in sorted(entries, key=lambda e: e.name + "/" if e.is_dir() else e.name):
            if entry.is_dir():
                yield from self._walk(Path(entry.path), f"{above}{entry.name}/")
            else:
                yield above + entry.name, entry.stat().st_size


def object_store(settings: ObjectStoreSettings, folder: str | Path = "", *, prefix: str = "") -> ObjectStore | None:
    """S3 when `S3_ENDPOINT` is set, else `folder`; None when neither is (the service decides what then)."""
    if settings.s3_endpoint:
        return S3Store(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_bucket,
                       secure=settings.s3_secure, region=settings.s3_region, prefix=prefix)
    if folder:
        return FolderStore(folder, prefix=prefix)
    return None
