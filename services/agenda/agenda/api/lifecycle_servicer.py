"""mes.lifecycle.v1 SubjectDataService beside agenda's own: her export. Her erasure is pulled from
identity (meskit.erasure loop in wiring), so EraseSubjectData stays UNIMPLEMENTED here."""
from __future__ import annotations

from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit.auth import current_caller
from meskit.errors import Unimplemented

from agenda.domain import subject_data
from agenda.domain.ports import Dependencies


class SubjectDataServicer(lifecycle_pb2_grpc.SubjectDataServiceServicer):
    def __init__(self, deps: Dependencies, store: subject_data.Store):
        self._deps, self._store = deps, store

    def ExportSubjectData(self, request, context):
        return subject_data.export(self._deps, self._store, current_caller(), request.account_id, request.export_id)

    def EraseSubjectData(self, request, context):
        raise Unimplemented("Les effacements sont tirés d'identity (ListPendingErasures)", reason="ERASURES_PULLED")
