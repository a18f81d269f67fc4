"""mes.lifecycle.v1 SubjectDataService beside audit's own: identity erases the personal data of a
deleted space's records (the leaves stay, every proof still verifies); exports reads her activity
history with what verifies it offline."""
from __future__ import annotations

from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit import subject_data
from meskit.auth import current_caller

from audit.domain import erasure, subject_export
from audit.domain.ports import Dependencies

SERVICE = "audit"


class SubjectDataServicer(lifecycle_pb2_grpc.SubjectDataServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    def EraseSubjectData(self, request, context):
        return subject_data.erased(SERVICE, erasure.erase_subject(self._deps, current_caller(), request.account_id,
                                                                  request.erasure_id))

    def ExportSubjectData(self, request, context):
        return subject_export.export(self._deps, current_caller(), request.account_id, request.export_id)
