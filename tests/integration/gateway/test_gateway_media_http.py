"""Uploads and downloads through the gateway, in front of a small real DocumentsService."""
from __future__ import annotations

import hashlib
import json
import threading
import time

import httpx
import pytest
from mes.documents.v1 import documents_pb2 as dpb
from mes.documents.v1 import documents_pb2_grpc

from test_gateway_http import assert_problem

from gateway.media import CHUNK_BYTES
from meskit.errors import InvalidArgument, NotFound, PermissionDenied, Unavailable
from meskit.server import Registration

LIMIT = 5_000_000                      # the service's content limit, and MAX_UPLOAD_BYTES' default
MEGABYTE = bytes(range(251)) * 4178    # 1,048,678 bytes, a period that chunking cannot hide
UPLOAD = "/v1/patients/pat-1/documents"
BOUNDARY = "gw-media-boundary"


class Documents(documents_pb2_grpc.DocumentsServiceServicer):
    """Records what uploads bring; serves DOWNLOADS[document_id] back in 64 KiB chunks."""

    def __init__(self):
        self.uploads: list[dict] = []
        self.downloads: list[dpb.DownloadDocumentRequest] = []
        self.first_chunk = threading.Event()

    def UploadDocument(self, request_iterator, context):
        first = next(request_iterator)
        record = {"first": first.WhichOneof("payload"), "metadata": first.metadata, "chunks": [],
                  "authorization": dict(context.invocation_metadata()).get("authorization"), "done": False}
        self.uploads.append(record)
        if first.metadata.title == "refuse":
            raise PermissionDenied("Dépôt refusé pour ce dossier", reason="DEPOSIT_REFUSED")
        data = bytearray()
        for message in request_iterator:
            record["chunks"].append((message.WhichOneof("payload"), len(message.chunk), time.monotonic()))
            self.first_chunk.set()
            data += message.chunk
            if len(data) > LIMIT:
                raise InvalidArgument("Le fichier dépasse 5 000 000 octets", reason="FILE_TOO_LARGE")
        record["data"], record["done"] = bytes(data), True
        return dpb.Document(document_id="doc-1", patient_id=first.metadata.patient_id, title=first.metadata.title,
                            size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            content_type=first.metadata.content_type, filename=first.metadata.filename)

    def DownloadDocument(self, request, context):
        self.downloads.append(request)
        if request.document_id == "missing":
            raise NotFound("Document introuvable", reason="DOCUMENT_NOT_FOUND")
        unknown_size = request.document_id == "breaks-unsized"
        metadata = dpb.Document(document_id=request.document_id, title="Compte rendu d'hospitalisation",
                                content_type="application/pdf", size_bytes=0 if unknown_size else len(MEGABYTE),
                                sha256=hashlib.sha256(MEGABYTE).hexdigest())
        yield dpb.DownloadDocumentResponse(metadata=metadata)
        for start in range(0, len(MEGABYTE), 65536):
            if request.document_id.startswith("breaks") and start >= 4 * 65536:
                raise Unavailable("Stockage indisponible")
            yield dpb.DownloadDocumentResponse(chunk=MEGABYTE[start:start + 65536])


@pytest.fixture(scope="module")
def documents():
    return Documents()


@pytest.fixture(scope="module")
def media_url(upstream, upstream_of, documents, gateway):
    with upstream_of([Registration(documents_pb2_grpc.add_DocumentsServiceServicer_to_server, documents,
                                   "mes.documents.v1.DocumentsService")]) as address:
        with gateway({"IDENTITY_ADDR": upstream, "DOCUMENTS_ADDR": address}) as url:
            yield url


@pytest.fixture
def http(media_url):
    with httpx.Client(base_url=media_url, timeout=30) as client:
        yield client


def files(content: bytes = MEGABYTE, **metadata) -> dict:
    return {"metadata": (None, json.dumps({"title": "Compte rendu", **metadata}), "application/json"),
            "file": ("cr.pdf", content, "application/pdf")}


def streamed_form(content: bytes, piece: int = 65536, pause=None):
    """A multipart body sent with chunked encoding (no Content-Length); `pause()` runs halfway."""
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
           '{"title": "Compte rendu"}\r\n'
           f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cr.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n").encode()
    for start in range(0, len(content), piece):
        if pause is not None and start >= len(content) // 2 and start - piece < len(content) // 2:
            pause()
        yield content[start:start + piece]
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


class TestUpload:
    def test_a_megabyte_arrives_intact_in_bounded_chunks(self, http, auth, documents):
        response = http.post(UPLOAD, files=files(category="DOCUMENT_CATEGORY_CPT_REND", documentDate="2025-01-31"),
                             headers={**auth, "X-Request-Id": "upload-1"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-request-id"] == "upload-1"
        created = response.json()
        assert created["documentId"] == "doc-1" and created["sizeBytes"] == str(len(MEGABYTE))
        assert created["sha256"] == hashlib.sha256(MEGABYTE).hexdigest()
        record = documents.uploads[-1]
        assert record["first"] == "metadata" and record["data"] == MEGABYTE
        metadata = record["metadata"]
        assert (metadata.patient_id, metadata.title, metadata.document_date) == ("pat-1", "Compte rendu", "2025-01-31")
        assert metadata.category == dpb.DOCUMENT_CATEGORY_CPT_REND
        assert (metadata.filename, metadata.content_type) == ("cr.pdf", "application/pdf")   # from the file part
        assert record["authorization"] == auth["Authorization"]
        assert all(kind == "chunk" and 0 < size <= CHUNK_BYTES for kind, size, _ in record["chunks"])
        assert len(record["chunks"]) == -(-len(MEGABYTE) // CHUNK_BYTES)      # the file in the fewest chunks

    def test_chunks_reach_the_service_before_the_client_has_sent_everything(self, http, auth, documents):
        documents.first_chunk.clear()
        seen_halfway = []
        response = http.post(UPLOAD, headers={**auth, **MULTIPART}, content=streamed_form(
            MEGABYTE * 2, pause=lambda: seen_halfway.append(documents.first_chunk.wait(10))))
        assert response.status_code == 200, response.text
        assert seen_halfway == [True]   # the gateway did not wait for the whole body
        assert documents.uploads[-1]["data"] == MEGABYTE * 2

    def test_the_services_refusal_passes_through_with_its_reason(self, http, auth, documents):
        response = http.post(UPLOAD, files=files(bytes(LIMIT + 1)), headers=auth)
        body = assert_problem(response, 400, "INVALID_ARGUMENT")
        assert body["reason"] == "FILE_TOO_LARGE" and "5 000 000" in body["detail"]
        assert documents.uploads[-1]["done"] is False

    @pytest.mark.parametrize("attempt", range(10))   # grpc.aio races the refusal with our writes
    def test_an_early_refusal_stops_the_upload_and_keeps_its_reason(self, http, auth, documents, attempt):
        response = http.post(UPLOAD, files=files(title="refuse"), headers=auth)
        body = assert_problem(response, 403, "PERMISSION_DENIED")
        assert body["reason"] == "DEPOSIT_REFUSED"
        assert documents.uploads[-1]["chunks"] == []

    def test_an_oversized_declared_body_is_refused_before_reading(self, http, auth, documents):
        before = len(documents.uploads)
        response = http.post(UPLOAD, files=files(bytes(LIMIT + 200_000)), headers=auth)
        assert assert_problem(response, 413, "RESOURCE_EXHAUSTED")["reason"] == "BODY_TOO_LARGE"
        assert len(documents.uploads) == before

    def test_an_oversized_streamed_body_is_cut(self, http, auth):
        response = http.post(UPLOAD, headers={**auth, **MULTIPART}, content=streamed_form(bytes(LIMIT + 200_000)))
        assert assert_problem(response, 413)["reason"] == "BODY_TOO_LARGE"

    def test_another_content_type_is_415(self, http, auth, documents):
        before = len(documents.uploads)
        response = http.post(UPLOAD, json={"title": "x"}, headers=auth)
        assert assert_problem(response, 415)["reason"] == "UNSUPPORTED_MEDIA_TYPE"
        assert len(documents.uploads) == before

    @pytest.mark.parametrize("missing", ["metadata", "file"])
    def test_a_missing_part_is_named(self, http, auth, documents, missing):
        before = len(documents.uploads)
        form = files()
        del form[missing]
        body = assert_problem(http.post(UPLOAD, files=form, headers=auth), 400, "INVALID_ARGUMENT")
        assert body["reason"] == "MISSING_PART" and body["violations"][0]["field"] == missing
        assert len(documents.uploads) == before

    def test_unknown_metadata_fields_are_400(self, http, auth):
        body = assert_problem(http.post(UPLOAD, files=files(titel="x"), headers=auth), 400)
        assert body["reason"] == "INVALID_FIELD" and body["violations"][0]["field"] == "titel"

    def test_a_token_is_required(self, http, documents):
        before = len(documents.uploads)
        response = http.post(UPLOAD, files=files())
        assert assert_problem(response, 401, "UNAUTHENTICATED")["reason"] == "TOKEN_MISSING"
        assert len(documents.uploads) == before

    def test_the_listing_keeps_its_get(self, http, auth):
        response = http.put(UPLOAD, headers=auth)
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, POST"


class TestDownload:
    PATH = "/v1/patients/pat-1/documents/{}:download"

    def test_returns_the_exact_bytes_and_headers(self, http, auth, documents):
        response = http.get(self.PATH.format("doc-1"), headers={**auth, "X-Request-Id": "dl-1"},
                            params={"access.mode": "ACCESS_MODE_BRIS_DE_GLACE", "access.justification": "urgence",
                                    "access.patient_family_name": "Martin", "access.patientGivenName": "Jacqueline",
                                    "access.patient_birth_date": "1946-08-01"})
        assert response.status_code == 200 and response.content == MEGABYTE
        headers = response.headers
        assert headers["content-type"] == "application/pdf"
        assert headers["content-length"] == str(len(MEGABYTE))
        assert headers["content-disposition"] == ("attachment; filename=\"Compte rendu d'hospitalisation.pdf\"; "
                                                  "filename*=UTF-8''Compte%20rendu%20d%27hospitalisation.pdf")
        assert headers["x-content-sha256"] == hashlib.sha256(MEGABYTE).hexdigest()
        assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
        assert headers["x-request-id"] == "dl-1"
        request = documents.downloads[-1]
        assert (request.patient_id, request.document_id) == ("pat-1", "doc-1")
        assert request.access.mode == dpb.ACCESS_MODE_BRIS_DE_GLACE and request.access.justification == "urgence"
        assert (request.access.patient_family_name, request.access.patient_given_name,
                request.access.patient_birth_date) == ("Martin", "Jacqueline", "1946-08-01")

    def test_unknown_query_parameters_are_refused(self, http, auth):
        body = assert_problem(http.get(self.PATH.format("doc-1"), params={"acces.mode": "x"}, headers=auth), 400)
        assert body["reason"] == "INVALID_PARAMETER"

    def test_an_error_before_the_bytes_is_a_problem(self, http, auth):
        body = assert_problem(http.get(self.PATH.format("missing"), headers=auth), 404, "NOT_FOUND")
        assert body["reason"] == "DOCUMENT_NOT_FOUND"

    @pytest.mark.parametrize("document_id", ["breaks", "breaks-unsized"])
    def test_an_error_in_the_middle_aborts_the_connection(self, http, auth, document_id):
        with pytest.raises(httpx.RemoteProtocolError):
            with http.stream("GET", self.PATH.format(document_id), headers=auth) as response:
                assert response.status_code == 200
                response.read()

    def test_a_token_is_required(self, http):
        assert_problem(http.get(self.PATH.format("doc-1")), 401, "UNAUTHENTICATED")


def test_both_routes_are_in_the_openapi_document(http):
    paths = http.get("/openapi.json").json()["paths"]
    upload = paths["/v1/patients/{patientId}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    download = paths["/v1/patients/{patientId}/documents/{documentId}:download"]["get"]
    assert "*/*" in download["responses"]["200"]["content"]
