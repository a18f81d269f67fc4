"""mes.lifecycle.v1 SubjectDataService on a service's side: who may call, the request's ids, and the
export's files cut into ExportChunk messages (the first chunk of a file carries its path and type)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator

from mes.lifecycle.v1 import lifecycle_pb2 as pb

from meskit.auth import SERVICE, Caller
from meskit.errors import PermissionDenied, Violations

CHUNK_BYTES = 1024 * 1024
ERASER = "identity"
EXPORTER = "exports"


def require_service(caller: Caller, name: str) -> None:
    """Only the service token of `name` (identity erases, exports exports)."""
    if caller.actor_type != SERVICE or caller.subject != name:
        raise PermissionDenied("Réservé au service " + name, reason="SERVICE_ONLY")


def require_uuids(**ids: str) -> None:
    """Each named id a UUID; INVALID_ARGUMENT naming the malformed ones otherwise."""
    v = Violations()
    for field, value in ids.items():
        try:
            uuid.UUID(value)
        except (ValueError, TypeError, AttributeError):
            v.add(field, "doit être un identifiant UUID")
    v.raise_if_any()


def file_chunks(path: str, content_type: str, data: bytes | Iterable[bytes]) -> Iterator[pb.ExportChunk]:
    """One archive file: its bytes (or pieces of them) as chunks of at most CHUNK_BYTES."""
    pieces = [data] if isinstance(data, (bytes, bytearray)) else data
    first = True
    for piece in pieces:
        for start in range(0, len(piece), CHUNK_BYTES):
            yield _chunk(path, content_type, bytes(piece[start:start + CHUNK_BYTES]), first)
            first = False
    if first:   # an empty file is still a file
        yield _chunk(path, content_type, b"", True)


def json_file(path: str, value) -> Iterator[pb.ExportChunk]:
    """Dates and times as ISO 8601."""
    return file_chunks(path, "application/json",
                       json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_plain).encode())


def erased(service: str, counts: dict[str, int]) -> pb.EraseSubjectDataResponse:
    return pb.EraseSubjectDataResponse(service=service, erased=[pb.ErasedCount(kind=k, count=c)
                                                                for k, c in sorted(counts.items())])


def _plain(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _chunk(path: str, content_type: str, data: bytes, first: bool) -> pb.ExportChunk:
    return pb.ExportChunk(path=path, content_type=content_type, data=data) if first else pb.ExportChunk(data=data)
