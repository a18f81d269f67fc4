"""Thin gRPC servicer: proto in, one use-case call, proto out. Errors rise to the interceptor."""
from __future__ import annotations

import contextlib

from mes.documents.v1 import documents_pb2 as pb
from mes.documents.v1 import documents_pb2_grpc

from meskit.auth import current_caller
from meskit.errors import InvalidArgument
from meskit.timestamps import datetime_of

from documents.api import convert
from documents.api.download_messages import chunk_message
from documents.domain import changes, checking, deposit, explaining, folders, matrix_browser, reading
from documents.domain.ports import Dependencies


def _chunks(requests):
    for message in requests:
        if message.WhichOneof("payload") != "chunk":
            raise InvalidArgument("Après les métadonnées, seulement des morceaux du fichier", reason="STREAM_ORDER")
        yield message.chunk


class DocumentsServicer(documents_pb2_grpc.DocumentsServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    # ---- deposit ----
    def UploadDocument(self, request_iterator, context):
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise InvalidArgument("Le premier message porte les métadonnées du document", reason="STREAM_ORDER")
        return convert.document(deposit.upload(self._deps, current_caller(), convert.upload_meta(first.metadata),
                                               _chunks(request_iterator)))

    def GetUploadPolicy(self, request, context):
        return convert.upload_policy()

    # ---- reading ----
    def ListDocuments(self, request, context):
        found, token, space_refusal = reading.list_documents(
            self._deps, current_caller(), request.patient_id, convert.filters(request),
            sort=convert.sort(request.sort), page_size=request.page_size, page_token=request.page_token,
            access=convert.access(request))
        return pb.ListDocumentsResponse(documents=[convert.document(s) for s in found], next_page_token=token,
                                        space_refusal=space_refusal)

    def GetDocument(self, request, context):
        return convert.document(reading.get_document(self._deps, current_caller(), request.patient_id,
                                                     request.document_id, convert.access(request)))

    def DownloadDocument(self, request, context):
        """Replies already serialized (download_messages): a chunk is copied once on its way to gRPC."""
        found, chunks = reading.download(self._deps, current_caller(), request.patient_id, request.document_id,
                                         convert.access(request))
        # a cancelled download releases the store's connection at once
        with contextlib.closing(chunks):
            first = next(chunks, None)   # a one-chunk document is verified whole before the metadata leaves
            yield pb.DownloadDocumentResponse(metadata=convert.document(found)).SerializeToString()
            if first is not None:
                yield chunk_message(first)
            for chunk in chunks:
                yield chunk_message(chunk)

    # ---- changes ----
    def UpdateDocument(self, request, context):
        change = changes.MetadataChange(
            title=request.title if request.HasField("title") else None,
            document_date=request.document_date if request.HasField("document_date") else None,
            category=convert.category_name(request.category) if request.HasField("category") else None,
            pinned=request.pinned if request.HasField("pinned") else None,
            folder_id=request.folder_id if request.HasField("folder_id") else None)
        return convert.document(changes.update_document(self._deps, current_caller(), request.patient_id,
                                                        request.document_id, change))

    def DeleteDocument(self, request, context):
        changes.delete_documents(self._deps, current_caller(), request.patient_id, [request.document_id])
        return pb.DeleteDocumentResponse()

    def BatchDeleteDocuments(self, request, context):
        changes.delete_documents(self._deps, current_caller(), request.patient_id, list(request.document_ids))
        return pb.BatchDeleteDocumentsResponse()

    def SetDocumentVisibility(self, request, context):
        change = changes.VisibilityChange(
            masked=request.masked if request.HasField("masked") else None,
            hidden_from_patient=request.hidden_from_patient if request.HasField("hidden_from_patient") else None,
            hidden_from_legal_representatives=request.hidden_from_legal_representatives
            if request.HasField("hidden_from_legal_representatives") else None,
            hidden_from_patient_until=datetime_of(request, "hidden_from_patient_until"))
        return convert.document(changes.set_visibility(self._deps, current_caller(), request.patient_id,
                                                       request.document_id, change))

    def MaskAllDocuments(self, request, context):
        updated, failed = changes.mask_all(self._deps, current_caller(), request.patient_id, request.masked)
        return pb.MaskAllDocumentsResponse(updated=updated, failed_document_ids=failed)

    # ---- folders ----
    def CreateFolder(self, request, context):
        return convert.folder(folders.create_folder(self._deps, current_caller(), request.patient_id, request.name))

    def ListFolders(self, request, context):
        found, token = folders.list_folders(self._deps, current_caller(), request.patient_id, request.page_size,
                                            request.page_token)
        return pb.ListFoldersResponse(folders=[convert.folder(f) for f in found], next_page_token=token)

    def UpdateFolder(self, request, context):
        return convert.folder(folders.rename_folder(self._deps, current_caller(), request.patient_id,
                                                    request.folder_id, request.name))

    def DeleteFolder(self, request, context):
        folders.delete_folder(self._deps, current_caller(), request.patient_id, request.folder_id)
        return pb.DeleteFolderResponse()

    # ---- the matrix browser ----
    def ListMatrixProfessions(self, request, context):
        return pb.ListMatrixProfessionsResponse(
            professions=[convert.profession(p) for p in matrix_browser.professions(self._deps.matrix)],
            matrix_version=self._deps.matrix.version)

    def GetAccessMatrix(self, request, context):
        profession, entries = matrix_browser.access_matrix(self._deps.matrix, request.profession_code,
                                                           request.readable_only)
        return pb.AccessMatrix(profession=convert.profession(profession), matrix_version=self._deps.matrix.version,
                               entries=[convert.matrix_entry(e) for e in entries])

    # ---- why can this professional see this? ----
    def ExplainDocumentAccess(self, request, context):
        return convert.explanation(explaining.explain_access(
            self._deps, current_caller(), request.patient_id, request.document_id,
            profession_code=request.profession_code, professional_id=request.professional_id))

    # ---- services and operators ----
    def CheckDocumentAccess(self, request, context):
        return convert.decision(checking.check_access(
            self._deps, current_caller(), request.patient_id, request.document_id, convert.actor_spec(request.actor),
            convert.operation(request.operation), convert.access(request)))

    def DeletePatientDocuments(self, request, context):
        count = changes.delete_patient_documents(self._deps, current_caller(), request.patient_id, request.reason)
        return pb.DeletePatientDocumentsResponse(deleted_count=count)
