"""The services' ExportSubjectData (mes.lifecycle.v1), with exports' service token."""
from __future__ import annotations

from collections.abc import Iterator

import grpc
from mes.lifecycle.v1 import lifecycle_pb2 as pb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit.errors import code_name

from exports.domain.models import Chunk
from exports.domain.ports import Source, SourceFailed, SourceWithoutExport

FOLDERS = {"identity": "identite/", "documents": "documents/", "messaging": "messagerie/", "agenda": "agenda/",
           "profile": "profil-medical/", "audit": "historique/"}
STREAM_SECONDS = 600.0


def source(name: str, channel: grpc.Channel) -> Source:
    stub = lifecycle_pb2_grpc.SubjectDataServiceStub(channel)

    def export(account_id: str, export_id: str) -> Iterator[Chunk]:
        try:
            for chunk in stub.ExportSubjectData(pb.ExportSubjectDataRequest(account_id=account_id,
                                                                            export_id=export_id),
                                                timeout=STREAM_SECONDS):
                yield Chunk(chunk.path, chunk.content_type, chunk.data)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise SourceWithoutExport(name) from None
            raise SourceFailed(f"{name}: {code_name(exc)}") from None
    return Source(name, FOLDERS[name], export)
