"""Identity's mes.lifecycle.v1.SubjectDataService: the export of what it holds of a person
(EraseSubjectData is not identity's: it orchestrates the erasure, answered UNIMPLEMENTED)."""
from __future__ import annotations

from mes.lifecycle.v1 import lifecycle_pb2, lifecycle_pb2_grpc

from meskit.auth import current_caller

from identity.domain import subject_export
from identity.domain.ports import Dependencies


class SubjectDataServicer(lifecycle_pb2_grpc.SubjectDataServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    def ExportSubjectData(self, request, context):
        for f in subject_export.export(self._deps, current_caller(), request.account_id):
            yield lifecycle_pb2.ExportChunk(path=f.path, content_type=f.content_type, data=f.data)
