"""mes.lifecycle.v1.SubjectDataService of documents: the export of a person's documents (exports'
token only). Their erasure is pulled from identity (meskit.erasure): EraseSubjectData answers
UNIMPLEMENTED here."""
from __future__ import annotations

from mes.lifecycle.v1 import lifecycle_pb2 as pb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit.auth import current_caller
from meskit.errors import Unimplemented

from documents.domain import subject_data
from documents.domain.ports import Dependencies

MAX_CHUNK = 1024 * 1024


class SubjectDataServicer(lifecycle_pb2_grpc.SubjectDataServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    def EraseSubjectData(self, request, context):
        raise Unimplemented("documents tire ses effacements d'identity (ListPendingErasures)")

    def ExportSubjectData(self, request, context):
        for file in subject_data.export(self._deps, current_caller(), request.account_id, request.export_id):
            first = True
            for data in file.chunks:
                for start in range(0, len(data), MAX_CHUNK):
                    yield pb.ExportChunk(path=file.path, content_type=file.content_type if first else "",
                                         data=data[start:start + MAX_CHUNK])
                    first = False
            if first:     # an empty file still has its path
                yield pb.ExportChunk(path=file.path, content_type=file.content_type)
