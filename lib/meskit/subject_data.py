"""mes.lifecycle.v1 SubjectDataService on a service's side: who may call, the request's ids, and the
export's files cut into ExportChunk messages (the first chunk of a file carries its path and type)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator

from mes.lifecycle.v1 import lifecycle_pb2 as pb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit.auth import SERVICE, Caller, current_caller
from meskit.errors import PermissionDenied, Unimplemented, Violations
from meskit.server import Registration

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


Export = Callable[[Caller, str, str], Iterable[pb.ExportChunk]]


class PulledErasureServicer(lifecycle_pb2_grpc.SubjectDataServiceServicer):
    """The SubjectDataService of a service that pulls its erasures from identity (meskit.erasure):
    `export(caller, account_id, export_id)` gives its chunks; EraseSubjectData is not its way."""

    def __init__(self, export: Export):
        self._export = export

    def ExportSubjectData(self, request, context):
        return iter(self._export(current_caller(), request.account_id, request.export_id))

    def EraseSubjectData(self, request, context):
        raise Unimplemented("Ce service tire ses effacements d'identity (ListPendingErasures)", reason="ERASURES_PULLED")


def registration(servicer: lifecycle_pb2_grpc.SubjectDataServiceServicer) -> Registration:
    """The SubjectDataService beside a service's own, in its wiring."""
    return Registration(lifecycle_pb2_grpc.add_SubjectDataServiceServicer_to_server, servicer,
                        "mes.lifecycle.v1.SubjectDataService")
