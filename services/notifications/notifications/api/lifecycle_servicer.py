"""mes.lifecycle.v1 SubjectDataService beside notifications' own: identity erases a deleted space's
notices here. Notifications holds nothing of her export (her notices are what other services told
her), so ExportSubjectData stays UNIMPLEMENTED."""
from __future__ import annotations

from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit import subject_data
from meskit.auth import current_caller
from meskit.errors import Unimplemented

from notifications.adapters.subject_data import SubjectData

SERVICE = "notifications"


class SubjectDataServicer(lifecycle_pb2_grpc.SubjectDataServiceServicer):
    def __init__(self, store: SubjectData):
        self._store = store

    def EraseSubjectData(self, request, context):
        subject_data.require_service(current_caller(), subject_data.ERASER)
        subject_data.require_uuids(account_id=request.account_id, erasure_id=request.erasure_id)
        return subject_data.erased(SERVICE, self._store.erase(request.account_id))

    def ExportSubjectData(self, request, context):
        raise Unimplemented("Les notifications ne font pas partie de l'export", reason="NOT_EXPORTED")
