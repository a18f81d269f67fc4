"""Byte-stream routes: the routes declared by (mes.options.v1.media), the multipart bridge, the download headers, OpenAPI."""
from __future__ import annotations

import asyncio
import hashlib
import json

import grpc
import pytest
from mes.documents.v1 import documents_pb2 as dpb
from mes.messaging.v1 import messaging_pb2 as mpb

from gateway import media, streams, transcode
from gateway.openapi import document
from gateway.problems import Problem
from gateway.routes import BindingError

BOUNDARY = "gw-boundary-42"
FILE = bytes(range(256)) * 1000   # 256,000 bytes: 3 full chunks and a tail


def form(*parts: tuple[str, bytes, dict[str, str]], boundary: str = BOUNDARY, end: bool = True) -> bytes:
    """A multipart/form-data body from (name, content, extra disposition params / headers)."""
    out = b""
    for name, content, extra in parts:
        disposition = f'form-data; name="{name}"'
        if "filename" in extra:
            disposition += f'; filename="{extra["filename"]}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if "type" in extra:
            out += f"Content-Type: {extra['type']}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    return out + (f"--{boundary}--\r\n".encode() if end else b"")


def metadata_part(**fields) -> tuple[str, bytes, dict]:
    return "metadata", json.dumps({"title": "Compte rendu", **fields}).encode(), {"type": "application/json"}


def file_part(content: bytes = FILE, **extra) -> tuple[str, bytes, dict]:
    return "file", content, {"filename": "cr.pdf", "type": "application/pdf", **extra}


@pytest.fixture(scope="module")
def documents_routes():
    return media.routes_for(dpb.DESCRIPTOR.services_by_name["DocumentsService"])


@pytest.fixture(scope="module")
def upload_route(documents_routes):
    return next(r for r in documents_routes if isinstance(r.media, media.Upload))


def bridge(route, **options) -> media.MultipartUpload:
    return media.MultipartUpload(route.media, BOUNDARY.encode(),
                                 lambda doc: transcode.build_request(route, {"patient_id": "pat-1"}, "", doc),
                                 **options)


def run(route, body: bytes, step: int | None = None, **options) -> list:
    reader, out = bridge(route, **options), []
    step = step or len(body)
    for start in range(0, len(body), step):
        out += reader.feed(body[start:start + step])
    return out + reader.close()


def problem_of(route, body: bytes, **options) -> Problem:
    with pytest.raises(Problem) as caught:
        run(route, body, **options)
    return caught.value


class TestTable:
    def test_upload_route_is_added_at_the_documented_path(self, upload_route):
        assert (upload_route.http_method, upload_route.template.text) == ("POST", "/v1/patients/{patient_id}/documents")
        assert upload_route.method.full_name == "mes.documents.v1.DocumentsService.UploadDocument"
        assert upload_route.request_class is dpb.UploadDocumentMetadata and upload_route.body == "*"
        assert upload_route.media.message_class is dpb.UploadDocumentRequest
        assert (upload_route.media.metadata.name, upload_route.media.chunk.name) == ("metadata", "chunk")
        assert not upload_route.public

    def test_downloads_are_marked_from_their_response_oneof(self, documents_routes):
        download = next(r for r in documents_routes if r.method.name == "DownloadDocument")
        assert isinstance(download.media, media.Download) and download.http_method == "GET"
        assert download.media.message_class is dpb.DownloadDocumentResponse
        assert (download.media.metadata.message_type.name, download.media.chunk.name) == ("Document", "chunk")
        assert all(r.media is None for r in documents_routes if r.method.name not in
                   ("DownloadDocument", "UploadDocument"))

    def test_attachment_download_reuses_it(self):
        table = media.routes_for(mpb.DESCRIPTOR.services_by_name["MessagingService"])
        download = next(r for r in table if r.method.name == "DownloadAttachment")
        assert isinstance(download.media, media.Download) and download.media.metadata.message_type.name == "Attachment"

    def test_any_contract_declares_its_byte_streams_by_the_media_option(self, sample_service):
        from google.protobuf import descriptor_pool
        table = media.routes_for(descriptor_pool.Default().FindServiceByName("gwtest.v1.CoverService"))
        assert sorted((r.http_method, r.template.text, type(r.media).__name__) for r in table) == [
            ("GET", "/v1/shelves/{shelf_id}/cover", "Download"),
            ("POST", "/v1/libraries/{library_id}/shelves/{shelf_id}/covers", "Upload"),
            ("PUT", "/v1/shelves/{shelf_id}/cover", "Upload")]
        upload = next(r for r in table if r.http_method == "PUT")
        assert upload.request_class.DESCRIPTOR.name == "Cover" and upload.body == "*"
        assert [".".join(f.name for f in chain) for chain in upload.path_fields] == ["shelf_id"]

    @pytest.mark.parametrize("service,why", [("UnaryUploadService", "client streaming"),
                                             ("UnboundDownloadService", "google.api.http")])
    def test_a_misplaced_media_option_is_refused_at_start(self, sample_service, service, why):
        from google.protobuf import descriptor_pool
        with pytest.raises(BindingError, match=why):
            media.routes_for(descriptor_pool.Default().FindServiceByName(f"gwtest.v1.{service}"))

    def test_a_message_without_the_oneof_is_refused(self):
        with pytest.raises(BindingError):
            media.ByteStream.of(dpb.Document.DESCRIPTOR)

    def test_the_upload_lands_beside_the_listing_in_the_router(self, documents_routes):
        from gateway.routes import Router
        router = Router(documents_routes)
        assert router.resolve("POST", "/v1/patients/p/documents").route.media is not None
        assert router.resolve("GET", "/v1/patients/p/documents").route.method.name == "ListDocuments"


class TestMultipartUpload:
    @pytest.mark.parametrize("step", [None, 1, 7, 4096, 65536 + 3])
    def test_metadata_first_then_bounded_chunks_in_any_slicing(self, upload_route, step):
        body = form(metadata_part(category="DOCUMENT_CATEGORY_CPT_REND"), file_part())
        messages = run(upload_route, body, step, chunk_bytes=65536)
        first, chunks = messages[0], messages[1:]
        assert first.WhichOneof("payload") == "metadata"
        assert first.metadata.patient_id == "pat-1" and first.metadata.title == "Compte rendu"
        assert first.metadata.category == dpb.DOCUMENT_CATEGORY_CPT_REND
        assert all(m.WhichOneof("payload") == "chunk" for m in chunks)
        assert [len(m.chunk) for m in chunks] == [65536, 65536, 65536, len(FILE) - 3 * 65536]
        assert b"".join(m.chunk for m in chunks) == FILE

    def test_messages_come_out_as_the_body_arrives(self, upload_route):
        body = form(metadata_part(), file_part())
        reader = bridge(upload_route, chunk_bytes=65536)
        file_starts = body.index(b'name="file"')
        assert reader.feed(body[:file_starts]) == []                # metadata held until the file starts
        head = body.index(FILE[:64])
        assert [m.WhichOneof("payload") for m in reader.feed(body[file_starts:head])] == ["metadata"]
        assert [len(m.chunk) for m in reader.feed(body[head:head + 70_000])] == [65536]   # the rest is held

    def test_the_file_part_fills_an_empty_name_and_type(self, upload_route):
        first = run(upload_route, form(metadata_part(), file_part()))[0].metadata
        assert (first.filename, first.content_type) == ("cr.pdf", "application/pdf")
        given = run(upload_route, form(metadata_part(filename="a.pdf", contentType="image/png"), file_part()))[0]
        assert (given.metadata.filename, given.metadata.content_type) == ("a.pdf", "image/png")
        generic = run(upload_route, form(metadata_part(), file_part(type="application/octet-stream")))[0]
        assert generic.metadata.content_type == ""

    def test_control_characters_of_the_file_name_are_dropped_but_refused_in_the_json(self, upload_route):
        first = run(upload_route, form(metadata_part(), file_part(filename="cr\x01 du\x1f jour.pdf")))[0]
        assert first.metadata.filename == "cr du jour.pdf"
        problem = problem_of(upload_route, form(metadata_part(filename="cr\x00.pdf"), file_part()))
        assert problem.status == 400 and [(v.field, v.description) for v in problem.violations] == [
            ("filename", "caractère de contrôle interdit")]

    def test_path_variables_win_over_the_json(self, upload_route):
        assert run(upload_route, form(metadata_part(patientId="other"), file_part()))[0].metadata.patient_id == "pat-1"

    def test_an_empty_file_sends_only_the_metadata(self, upload_route):
        assert len(run(upload_route, form(metadata_part(), file_part(b"")))) == 1

    def test_metadata_without_content_type_is_json_too(self, upload_route):
        name, content, _ = metadata_part()
        assert run(upload_route, form((name, content, {}), file_part()))[0].metadata.title == "Compte rendu"

    @pytest.mark.parametrize("parts, reason, field", [
        ((metadata_part(),), "MISSING_PART", "file"),
        ((file_part(),), "MISSING_PART", "metadata"),
        ((file_part(), metadata_part()), "MISSING_PART", "metadata"),
        ((metadata_part(), metadata_part(), file_part()), "UNEXPECTED_PART", "metadata"),
        ((metadata_part(), ("comment", b"x", {}), file_part()), "UNEXPECTED_PART", "comment"),
        ((metadata_part(), file_part(), file_part()), "UNEXPECTED_PART", "file"),
        ((), "MISSING_PART", "metadata"),
    ])
    def test_wrong_parts_are_named(self, upload_route, parts, reason, field):
        problem = problem_of(upload_route, form(*parts))
        assert (problem.status, problem.reason) == (400, reason)
        assert [v.field for v in problem.violations] == [field] and field in problem.detail

    def test_unknown_metadata_fields_are_refused_like_json_bodies(self, upload_route):
        problem = problem_of(upload_route, form(metadata_part(titel="x"), file_part()))
        assert (problem.status, problem.reason) == (400, "INVALID_FIELD")
        assert [v.field for v in problem.violations] == ["titel"]

    def test_malformed_metadata_json(self, upload_route):
        problem = problem_of(upload_route, form(("metadata", b"{not json", {}), file_part()))
        assert (problem.status, problem.reason) == (400, "MALFORMED_JSON")

    def test_metadata_of_another_type(self, upload_route):
        problem = problem_of(upload_route, form(("metadata", b"title=x", {"type": "text/plain"}), file_part()))
        assert (problem.status, problem.reason) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert [v.field for v in problem.violations] == ["metadata"]

    def test_metadata_part_is_bounded(self, upload_route):
        problem = problem_of(upload_route, form(metadata_part(title="x" * 2000), file_part()), metadata_limit=1000)
        assert (problem.status, problem.reason) == (413, "BODY_TOO_LARGE")

    def test_truncated_body(self, upload_route):
        body = form(metadata_part(), file_part())
        assert problem_of(upload_route, body[:-30]).reason == "MALFORMED_MULTIPART"
        assert problem_of(upload_route, form(metadata_part(), file_part(), end=False)).reason == "MALFORMED_MULTIPART"

    def test_garbage_and_nameless_parts(self, upload_route):
        assert problem_of(upload_route, b"x" * 100).reason == "MALFORMED_MULTIPART"
        nameless = f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode()
        assert problem_of(upload_route, nameless).reason == "MALFORMED_MULTIPART"


class TestBoundary:
    def test_reads_the_boundary(self):
        assert media.boundary_of('multipart/form-data; boundary="abc"') == b"abc"
        assert media.boundary_of("Multipart/Form-Data; charset=utf-8; boundary=xyz") == b"xyz"

    @pytest.mark.parametrize("content_type", ["application/json", "", "application/pdf", "multipart/mixed; boundary=a"])
    def test_other_types_are_415(self, content_type):
        with pytest.raises(Problem) as caught:
            media.boundary_of(content_type)
        assert (caught.value.status, caught.value.reason) == (415, "UNSUPPORTED_MEDIA_TYPE")

    def test_missing_boundary_is_400(self):
        with pytest.raises(Problem) as caught:
            media.boundary_of("multipart/form-data")
        assert (caught.value.status, caught.value.reason) == (400, "MALFORMED_MULTIPART")


class TestDownloadHeaders:
    def test_from_the_document(self):
        digest = hashlib.sha256(b"x").hexdigest()
        content_type, headers, length = media.download_headers(dpb.Document(
            title="Compte rendu", filename="", content_type="application/pdf", size_bytes=1234, sha256=digest.upper()))
        headers = dict(headers)
        assert content_type == b"application/pdf" and length == 1234
        assert headers[b"content-length"] == b"1234" and headers[b"x-content-sha256"] == digest.encode()
        assert headers[b"content-disposition"] == (b"attachment; filename=\"Compte rendu.pdf\"; "
                                                   b"filename*=UTF-8''Compte%20rendu.pdf")
        assert headers[b"x-content-type-options"] == b"nosniff"

    def test_filename_wins_over_title(self):
        headers = dict(media.download_headers(dpb.Document(title="Titre", filename="scan.jpg",
                                                           content_type="image/jpeg"))[1])
        assert b"filename*=UTF-8''scan.jpg" in headers[b"content-disposition"]

    def test_unknown_size_bad_type_and_digest(self):
        content_type, headers, length = media.download_headers(dpb.Document(
            title="x", content_type="text/html\r\nSet-Cookie: a=b", sha256="not-hex"))
        names = dict(headers)
        assert content_type == b"application/octet-stream" and length is None
        assert b"content-length" not in names and b"x-content-sha256" not in names

    def test_attachments_use_the_same_fields(self):
        content_type, headers, length = media.download_headers(mpb.Attachment(
            filename="ordonnance.pdf", content_type="application/pdf; charset=binary", size_bytes=3))
        assert (content_type, length) == (b"application/pdf; charset=binary", 3)

    def test_no_metadata(self):
        content_type, headers, length = media.download_headers(None)
        assert content_type == b"application/octet-stream" and length is None
        assert b'filename="document"' in dict(headers)[b"content-disposition"]


class TestFileNames:
    @pytest.mark.parametrize("name, content_type, fallback, exact", [
        ("Compte rendu", "application/pdf", "Compte rendu.pdf", "Compte%20rendu.pdf"),
        ("Résultat.pdf", "", "Resultat.pdf", "R%C3%A9sultat.pdf"),
        ("检查.pdf", "", "document.pdf", "%E6%A3%80%E6%9F%A5.pdf"),
        ("../../etc/passwd", "", "etc_passwd", "etc_passwd"),
        ("facture\u202efdp.exe", "", "facturefdp.exe", "facturefdp.exe"),    # bidi override removed
        ('a"b\r\nc.txt', "", "a_bc.txt", "a_bc.txt"),
        ("", "image/jpeg", "document.jpg", "document.jpg"),
        ("v1.2 results", "text/plain", "v1.2 results.txt", "v1.2%20results.txt"),
    ])
    def test_content_disposition(self, name, content_type, fallback, exact):
        assert media.content_disposition(name, content_type) == (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")

    def test_long_names_keep_their_extension(self):
        name = media.safe_filename("x" * 500 + ".pdf")
        assert name.endswith(".pdf") and len(name) <= 130


@pytest.fixture(scope="module")
def spec(documents_routes):
    return document(documents_routes)


class TestOpenApi:
    def test_upload_is_multipart_with_metadata_and_file(self, spec):
        operation = spec["paths"]["/v1/patients/{patientId}/documents"]["post"]
        assert operation["x-grpc-method"] == "mes.documents.v1.DocumentsService.UploadDocument"
        assert operation["security"] == [{"bearer": []}]
        assert [p["name"] for p in operation["parameters"]] == ["patientId"]
        body = operation["requestBody"]["content"]["multipart/form-data"]
        assert body["schema"]["required"] == ["metadata", "file"]
        assert body["schema"]["properties"]["file"]["format"] == "binary"
        assert "patientId" not in body["schema"]["properties"]["metadata"]["properties"]
        assert "title" in body["schema"]["properties"]["metadata"]["properties"]
        assert body["encoding"]["metadata"]["contentType"] == "application/json"
        assert "application/json" in operation["responses"]["200"]["content"]

    def test_download_is_binary(self, spec):
        operation = spec["paths"]["/v1/patients/{patientId}/documents/{documentId}:download"]["get"]
        success = operation["responses"]["200"]
        assert success["content"] == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
        assert {"Content-Disposition", "X-Content-SHA256"} <= set(success["headers"])
        assert "access.mode" in [p["name"] for p in operation["parameters"]]

    def test_passes_a_validator_when_one_is_installed(self, spec):
        validator = pytest.importorskip("openapi_spec_validator")
        validator.validate(spec)


def rpc_error(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)


class EndedCall:
    """A finished client-streaming call as grpc.aio leaves it after a write raced its end."""

    def __init__(self, error: grpc.aio.AioRpcError):
        self.error = error

    def __await__(self):
        raise self.error
        yield   # pragma: no cover  (makes this a generator)


class TestClientStreamOutcome:
    LOCAL = rpc_error(grpc.StatusCode.INTERNAL, "Internal error from Core")
    REFUSAL = rpc_error(grpc.StatusCode.PERMISSION_DENIED, "Dépôt refusé")

    def outcome(self, call_error, ends):
        with pytest.raises(grpc.RpcError) as caught:
            asyncio.run(streams.outcome(EndedCall(call_error), ends))
        return caught.value

    def test_the_services_status_wins_over_grpcs_local_write_failure(self):
        assert self.outcome(self.LOCAL, [self.REFUSAL]) is self.REFUSAL      # overwritten after the end
        assert self.outcome(self.REFUSAL, [self.LOCAL]) is self.REFUSAL      # the end came last

    def test_otherwise_the_calls_own_error(self):
        assert self.outcome(self.LOCAL, [None]) is self.LOCAL
        other = rpc_error(grpc.StatusCode.INTERNAL, "Erreur interne")
        assert self.outcome(other, []) is other


class TestBytes:
    def render(self, size: int = 5):
        download = media.Download.of(dpb.DownloadDocumentResponse.DESCRIPTOR)
        render = streams.Bytes(download)
        content_type, headers, body = render.head(dpb.DownloadDocumentResponse(
            metadata=dpb.Document(title="t", content_type="text/plain", size_bytes=size)))
        assert (content_type, body) == (b"text/plain", b"") and (b"content-length", str(size).encode()) in headers
        return render

    def test_bytes_pass_through_up_to_the_announced_length(self):
        render = self.render()
        assert render.body(dpb.DownloadDocumentResponse(chunk=b"abc")) == b"abc"
        assert render.body(dpb.DownloadDocumentResponse(chunk=b"de")) == b"de"
        render.finish()
        assert render.broken(Problem(503, "x", "UNAVAILABLE"), "rid") is None   # abort, never a fake ending

    def test_more_or_fewer_bytes_than_announced_break_the_stream(self):
        render = self.render()
        with pytest.raises(Problem):
            render.body(dpb.DownloadDocumentResponse(chunk=b"abcdef"))
        render = self.render()
        render.body(dpb.DownloadDocumentResponse(chunk=b"abc"))
        with pytest.raises(Problem):
            render.finish()

    def test_an_empty_stream_is_a_problem_before_the_headers(self):
        render = streams.Bytes(media.Download.of(dpb.DownloadDocumentResponse.DESCRIPTOR))
        with pytest.raises(Problem) as caught:
            render.head(grpc.aio.EOF)
        assert caught.value.status == 502
