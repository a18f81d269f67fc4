"""mes.lifecycle.v1.SubjectDataService of documents: the export of a person's documents (exports'
token only), as archive chunks. Their erasure is pulled from identity (meskit.erasure)."""
from __future__ import annotations

from collections.abc import Iterator

from mes.lifecycle.v1 import lifecycle_pb2 as pb

from meskit.auth import Caller
from meskit.subject_data import PulledErasureServicer, file_chunks

from documents.domain import subject_data
from documents.domain.ports import Dependencies


def subject_data_servicer(deps: Dependencies) -> PulledErasureServicer:
    def export(caller: Caller, account_id: str, export_id: str) -> Iterator[pb.ExportChunk]:
        for file in subject_data.export(deps, caller, account_id, export_id):
            yield from file_chunks(file.path, file.content_type, file.chunks)
    return PulledErasureServicer(export)
