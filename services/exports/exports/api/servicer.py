"""Thin servicers: proto -> domain arguments, one use-case call, domain result -> proto."""
from __future__ import annotations

from mes.exports.v1 import exports_pb2 as pb
from mes.exports.v1 import exports_pb2_grpc

from meskit.auth import current_caller

from exports.api import convert
from exports.domain import requests
from exports.domain.ports import Dependencies

CHUNK = 64 * 1024


class ExportsServiceServicer(exports_pb2_grpc.ExportsServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    def RequestExport(self, request, context):
        return convert.export(requests.request_export(self._deps, current_caller(), request.patient_id))

    def GetExport(self, request, context):
        return convert.export(requests.get_export(self._deps, current_caller(), request.patient_id,
                                                  request.export_id))

    def ListExports(self, request, context):
        found = requests.list_exports(self._deps, current_caller(), request.patient_id)
        return pb.ListExportsResponse(exports=[convert.export(e) for e in found])

    def DownloadExport(self, request, context):
        found, chunks = requests.download(self._deps, current_caller(), request.patient_id, request.export_id)
        yield pb.DownloadExportResponse(metadata=convert.export(found))
        for data in chunks:
            for start in range(0, len(data), CHUNK):
                yield pb.DownloadExportResponse(chunk=data[start:start + CHUNK])
