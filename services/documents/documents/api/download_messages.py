"""DownloadDocument's replies serialized by the servicer, so that a chunk's bytes are copied once.

Protobuf would copy a chunk twice on its way to gRPC (into the message, then into its
serialization); `chunk_message` writes the serialization directly: field 2 (`chunk`,
length-delimited), the length as a varint, the bytes. `add_to_server` registers the service as
the generated code does, but for DownloadDocument passes the servicer's bytes through unchanged."""
from __future__ import annotations

from typing import cast

import grpc
from mes.documents.v1 import documents_pb2_grpc

DOWNLOAD = "DownloadDocument"
_CHUNK_TAG = bytes([2 << 3 | 2])           # DownloadDocumentResponse.chunk: field 2, wire type 2


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def chunk_message(chunk: bytes) -> bytes:
    """A DownloadDocumentResponse carrying `chunk`, serialized."""
    return _CHUNK_TAG + _varint(len(chunk)) + chunk


class _Handlers:
    """Stands for the server while the generated code registers the service: keeps its handlers."""

    def add_generic_rpc_handlers(self, handlers) -> None:
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        self.service, self.handlers = service, handlers


def add_to_server(servicer, server: grpc.Server) -> None:
    kept = _Handlers()
    documents_pb2_grpc.add_DocumentsServiceServicer_to_server(servicer, cast(grpc.Server, kept))
    handlers = {**kept.handlers, DOWNLOAD: kept.handlers[DOWNLOAD]._replace(response_serializer=None)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(kept.service, handlers),))
    server.add_registered_method_handlers(kept.service, handlers)
