"""documents' gRPC API, in messaging's terms.

Reads go AS THE PATIENT: the caller's own bearer token is forwarded, so documents decides and audits
the read as hers, and a document she may not read answers as documents answers it. Deposits go
with messaging's service token, naming the author documents files for (the professional who sent
the attachment).
"""
from __future__ import annotations

from collections.abc import Iterator

import grpc
from mes.documents.v1 import documents_pb2 as pb
from mes.documents.v1 import documents_pb2_grpc

from meskit.errors import Unavailable, received

from messaging.domain.ports import Deposit, SourceDocument

TIMEOUT_SECONDS = 10.0
CHUNK = 64 * 1024
CATEGORIES = {name: pb.DocumentCategory.Value(f"DOCUMENT_CATEGORY_{name}")
              for name in ("SYNTHESE", "ORD_SOIN", "RADIO_SC", "BIOLOGIE", "CPT_REND", "DEPISTAG", "CERT_MED",
                           "AUTR_DOC", "DOC_ADM")}


def _unavailable() -> Unavailable:
    return Unavailable("Service des documents indisponible, réessayez plus tard", reason="DOCUMENTS_UNAVAILABLE")


def _as(authorization: str) -> tuple[tuple[str, str | bytes], ...]:
    return (("authorization", authorization),)


class DocumentsClient:
    def __init__(self, channel: grpc.Channel):
        self._stub = documents_pb2_grpc.DocumentsServiceStub(channel)

    def get(self, authorization: str, patient_id: str, document_id: str) -> SourceDocument:
        """The document's metadata, read as the caller of `authorization`."""
        try:
            found = self._stub.GetDocument(pb.GetDocumentRequest(patient_id=patient_id, document_id=document_id),
                                           metadata=_as(authorization), timeout=TIMEOUT_SECONDS)
            document = SourceDocument(document_id=found.document_id, title=found.title, filename=found.filename,
                                      content_type=found.content_type, size_bytes=found.size_bytes,
                                      class_code=found.class_code, type_code=found.type_code)
            return document
        except grpc.RpcError as exc:
            raise self._passed_on(exc) from None

    def download(self, authorization: str, patient_id: str, document_id: str) -> bytes:
        try:
            stream = self._stub.DownloadDocument(pb.DownloadDocumentRequest(patient_id=patient_id,
                                                                            document_id=document_id),
                                                 metadata=_as(authorization), timeout=TIMEOUT_SECONDS)
            return b"".join(r.chunk for r in stream if r.WhichOneof("payload") == "chunk")
        except grpc.RpcError as exc:
            raise self._passed_on(exc) from None

    @staticmethod
    def _passed_on(exc: grpc.RpcError):
        message = exc.details() or ""
        return received(exc, _unavailable(), NOT_FOUND=message or "Document introuvable",
                        PERMISSION_DENIED=message or "Vous ne pouvez pas lire ce document",
                        INVALID_ARGUMENT=message or "Document invalide",
                        FAILED_PRECONDITION=message or "Document indisponible")

    def deposit(self, d: Deposit, data: bytes) -> str:
        """Files `data` in the patient's documents; documents' refusal (type, size) comes back with its reason."""
        meta = pb.UploadDocumentMetadata(
            patient_id=d.patient_id, title=d.title, document_date=d.document_date, type_code=d.type_code,
            filename=d.filename, size_bytes=len(data), upload_id=d.upload_id,
            author=pb.DocumentAuthor(type=pb.AUTHOR_TYPE_PRACTITIONER if d.author_type == "professional"
                                     else pb.AUTHOR_TYPE_ORGANISATION, id=d.author_id,
                                     display_name=d.author_display_name, profession_code=d.author_profession_code))

        def requests() -> Iterator[pb.UploadDocumentRequest]:
            yield pb.UploadDocumentRequest(metadata=meta)
            for start in range(0, len(data), CHUNK):
                yield pb.UploadDocumentRequest(chunk=data[start:start + CHUNK])
        try:
            return self._stub.UploadDocument(requests(), timeout=TIMEOUT_SECONDS).document_id
        except grpc.RpcError as exc:
            raise received(exc, _unavailable(), INVALID_ARGUMENT=exc.details() or "Document refusé",
                           PERMISSION_DENIED=exc.details() or "Dépôt refusé",
                           FAILED_PRECONDITION=exc.details() or "Dépôt impossible") from None
