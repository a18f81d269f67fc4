"""documents' UploadDocument, in the profile's terms. The synthesis is a system category (SYNTH_PML,
DOCPAT08) that documents files only for a service: profile deposits it with its own service token,
naming the patient as its author."""
from __future__ import annotations

from collections.abc import Iterator

import grpc
from mes.documents.v1 import documents_pb2 as pb
from mes.documents.v1 import documents_pb2_grpc

from meskit.errors import Unavailable, received

from profile.domain.ports import SynthesisDeposit

TIMEOUT_SECONDS = 15.0
CHUNK = 64 * 1024


class DocumentsClient:
    def __init__(self, channel: grpc.Channel):
        self._stub = documents_pb2_grpc.DocumentsServiceStub(channel)

    def deposit_synthesis(self, d: SynthesisDeposit, pdf: bytes) -> str:
        meta = pb.UploadDocumentMetadata(
            patient_id=d.patient_id, title=d.title, category=pb.DOCUMENT_CATEGORY_SYNTH_PML,
            filename="profil-medical.pdf", content_type="application/pdf", size_bytes=len(pdf), upload_id=d.upload_id,
            author=pb.DocumentAuthor(type=pb.AUTHOR_TYPE_PATIENT, id=d.patient_id,
                                     display_name=d.author_display_name))
        if d.masked is not None:
            meta.masked = d.masked

        def requests() -> Iterator[pb.UploadDocumentRequest]:
            yield pb.UploadDocumentRequest(metadata=meta)
            for start in range(0, len(pdf), CHUNK):
                yield pb.UploadDocumentRequest(chunk=pdf[start:start + CHUNK])
        try:
            return self._stub.UploadDocument(requests(), timeout=TIMEOUT_SECONDS).document_id
        except grpc.RpcError as exc:
            raise received(exc, Unavailable("Service des documents indisponible, réessayez plus tard",
                                            reason="DOCUMENTS_UNAVAILABLE"),
                           INVALID_ARGUMENT=exc.details() or "Synthèse refusée",
                           FAILED_PRECONDITION=exc.details() or "Dépôt impossible",
                           PERMISSION_DENIED=exc.details() or "Dépôt refusé") from None
