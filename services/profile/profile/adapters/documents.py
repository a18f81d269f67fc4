"""documents' API, in the profile's terms. The synthesis is a system category (SYNTH_PML, DOCPAT08)
that documents files only for a service: profile deposits it with its own service token, naming the
patient as its author; a service never unmasks, so her choice to show it to professionals goes AS
HER: her own bearer token forwarded to SetDocumentVisibility (documents decides and audits it)."""
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

    def deposit_synthesis(self, d: SynthesisDeposit, pdf: bytes) -> tuple[str, bool]:
        meta = pb.UploadDocumentMetadata(
            patient_id=d.patient_id, title=d.title, category=pb.DOCUMENT_CATEGORY_SYNTH_PML,
            filename="profil-medical.pdf", content_type="application/pdf", size_bytes=len(pdf), upload_id=d.upload_id,
            author=pb.DocumentAuthor(type=pb.AUTHOR_TYPE_PATIENT, id=d.patient_id,
                                     display_name=d.author_display_name))
        if d.mask:
            meta.masked = True

        def requests() -> Iterator[pb.UploadDocumentRequest]:
            yield pb.UploadDocumentRequest(metadata=meta)
            for start in range(0, len(pdf), CHUNK):
                yield pb.UploadDocumentRequest(chunk=pdf[start:start + CHUNK])
        try:
            saved = self._stub.UploadDocument(requests(), timeout=TIMEOUT_SECONDS)
            return saved.document_id, saved.visibility.masked
        except grpc.RpcError as exc:
            raise _passed_on(exc) from None

    def unmask(self, authorization: str, patient_id: str, document_id: str) -> None:
        try:
            self._stub.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
                patient_id=patient_id, document_id=document_id, masked=False),
                metadata=(("authorization", authorization),), timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise _passed_on(exc) from None


def _passed_on(exc: grpc.RpcError):
    return received(exc, Unavailable("Service des documents indisponible, réessayez plus tard",
                                     reason="DOCUMENTS_UNAVAILABLE"),
                    INVALID_ARGUMENT=exc.details() or "Synthèse refusée",
                    FAILED_PRECONDITION=exc.details() or "Dépôt impossible",
                    PERMISSION_DENIED=exc.details() or "Dépôt refusé")
