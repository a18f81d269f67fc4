"""Byte streams: the RPCs whose bytes travel as raw HTTP bodies instead of JSON.

An RPC says so in its contract with `(mes.options.v1.media)` (protos/mes/options/v1/options.proto),
so a new one needs no gateway change. The rest is read from the descriptors: the streamed message
must hold a `oneof` of one message field (the metadata, first message only) and one `bytes` field
(the chunks), as UploadDocumentRequest and DownloadDocumentResponse do.

- An upload (`media: {upload: {http: ...}}`, client streaming, no HTTP binding of its own) is
  served at the option's route from a `multipart/form-data` body: a "metadata" part with the
  metadata message as JSON (parsed like any JSON body, the path variables winning), then a "file"
  part whose bytes go to the RPC as they arrive, in chunks of at most 256 KiB (the services take up
  to 1 MiB; 256 KiB cost the least CPU on both sides). The whole upload is never held.
- A download (`media: {download: {}}`, server streaming, bound by its HttpRule) answers the bytes
  themselves, with Content-Type, Content-Length, a file name and the SHA-256 from the metadata
  message's `content_type`, `size_bytes`, `filename` (else `title`) and `sha256` fields.
- A raw RPC (`media: {raw: {errors: ...}}`, unary, mes.web.v1.WebRequest to WebResponse, bound by
  its HttpRule) gets the HTTP request as it came and answers the HTTP response itself: the OAuth
  and FHIR endpoints, whose formats other standards set (gateway/raw.py).
"""
from __future__ import annotations

import dataclasses
import mimetypes
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from dataclasses import dataclass
from urllib.parse import quote

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor, ServiceDescriptor
from mes.options.v1 import options_pb2
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from gateway import routes, templates, transcode
from gateway.problems import Problem, invalid
from gateway.protos import upstream_name
from meskit import characters
from meskit.contract import is_public
from meskit.errors import FieldViolation

CHUNK_BYTES = 256 * 1024             # largest chunk message sent upstream (the upload RPCs take 1 MiB)
MULTIPART_ALLOWANCE = 64 * 1024      # body bytes allowed besides the file: metadata part, part headers
METADATA_PART, FILE_PART = "metadata", "file"
# fields of the metadata message, when it has them
CONTENT_TYPE, SIZE, SHA256, FILENAMES = "content_type", "size_bytes", "sha256", ("filename", "title")
OCTET_STREAM = "application/octet-stream"
WEB_RESPONSE = "mes.web.v1.WebResponse"


@dataclass(frozen=True)
class ByteStream:
    """How the streamed message of an RPC splits into one metadata message and byte chunks."""

    message_class: type
    metadata: FieldDescriptor
    chunk: FieldDescriptor

    @classmethod
    def of(cls, descriptor: Descriptor):
        for oneof in descriptor.oneofs:
            messages = [f for f in oneof.fields if f.type == FieldDescriptor.TYPE_MESSAGE]
            chunks = [f for f in oneof.fields if f.type == FieldDescriptor.TYPE_BYTES]
            if len(oneof.fields) == 2 and len(messages) == 1 and len(chunks) == 1:
                return cls(message_factory.GetMessageClass(descriptor), messages[0], chunks[0])
        raise routes.BindingError(f"{descriptor.full_name} has no oneof of a message field and a bytes field")


class Upload(ByteStream):
    def first(self, metadata):
        return self.message_class(**{self.metadata.name: metadata})

    def piece(self, data: bytes):
        return self.message_class(**{self.chunk.name: data})


class Download(ByteStream):
    pass


@dataclass(frozen=True)
class Raw:
    """An HTTP exchange passed as it is (mes.web.v1.WebRequest in, WebResponse out: gateway/raw.py);
    `errors`, a Media.ErrorFormat, says how the gateway writes the errors it answers."""

    errors: int


def media_kind(method: MethodDescriptor) -> str:
    """"upload", "download", "raw" or "" as the method's `(mes.options.v1.media)` option says."""
    options = method.GetOptions()
    if not options.HasExtension(options_pb2.media):
        return ""
    kind = options.Extensions[options_pb2.media].WhichOneof("kind")
    if kind is None:
        raise routes.BindingError(f"{method.full_name}: (mes.options.v1.media) names no kind")
    return kind


def routes_for(service: ServiceDescriptor) -> list[routes.Route]:
    """The derived routes of `service`, with its byte-stream RPCs marked (downloads) or added (uploads)."""
    table = []
    for route in routes.routes_for(service):
        kind = media_kind(route.method)
        if kind == "download":
            if not route.server_streaming or route.method.client_streaming:
                raise routes.BindingError(f"{route.method.full_name}: a download must be server streaming")
            route = dataclasses.replace(route, media=Download.of(route.method.output_type))
        elif kind == "raw":
            route = dataclasses.replace(route, media=_raw(route.method))
        table.append(route)
    for method in service.methods:
        kind = media_kind(method)
        if kind == "upload":
            table.extend(_upload_routes(service, method))
        elif kind == "download" and routes.http_rule(method) is None:
            raise routes.BindingError(f"{method.full_name}: a download needs a google.api.http binding")
    return table


def _raw(method: MethodDescriptor) -> Raw:
    if method.client_streaming or method.server_streaming or (method.input_type.full_name, method.output_type.full_name) \
            != (routes.WEB_REQUEST, WEB_RESPONSE):
        raise routes.BindingError(f"{method.full_name}: a raw RPC is unary, from {routes.WEB_REQUEST} to {WEB_RESPONSE}")
    return Raw(method.GetOptions().Extensions[options_pb2.media].raw.errors)


def _upload_routes(service: ServiceDescriptor, method: MethodDescriptor) -> list[routes.Route]:
    if not method.client_streaming or method.server_streaming:
        raise routes.BindingError(f"{method.full_name}: an upload must be client streaming only")
    upload = Upload.of(method.input_type)
    rule = method.GetOptions().Extensions[options_pb2.media].upload.http
    metadata = upload.metadata.message_type
    table = []
    for binding in routes.bindings(rule):
        try:
            http_method, path = routes.verb_and_path(binding)
            template = templates.parse(path)
            # The route transcodes into the metadata message, as if bound with body "*".
            table.append(routes.Route(
                http_method, template, method, upstream_name(service), "*", "", is_public(method),
                routes.path_chains(metadata, template), message_factory.GetMessageClass(metadata),
                message_factory.GetMessageClass(method.output_type), media=upload))
        except (routes.BindingError, templates.TemplateError) as exc:
            raise routes.BindingError(f"{method.full_name}: upload route: {exc}") from None
    return table


# ---- upload: multipart/form-data -> request messages ----------------------------------------

def boundary_of(content_type: str) -> bytes:
    media, params = parse_options_header(content_type)
    if media != b"multipart/form-data":
        raise Problem(415, "Le corps doit être multipart/form-data, avec une partie « metadata » (JSON) "
                           "puis une partie « file »", "INVALID_ARGUMENT", reason="UNSUPPORTED_MEDIA_TYPE")
    boundary = params.get(b"boundary", b"")
    if not 1 <= len(boundary) <= 70:
        raise _malformed("paramètre boundary absent ou invalide")
    return boundary


def _malformed(why: str) -> Problem:
    return invalid(f"Corps multipart mal formé : {why}", reason="MALFORMED_MULTIPART")


def _part_problem(part: str, why: str, reason: str) -> Problem:
    return invalid(f"Partie « {part} » : {why}", [FieldViolation(part, why)], reason=reason)


class MultipartUpload:
    """multipart/form-data bytes in, in any slices; the upload's request messages out.

    The "metadata" part becomes the first message (through `metadata_of`, given the parsed JSON)
    once the "file" part starts; the file's bytes follow in chunks of at most `chunk_bytes`.
    Holds at most one chunk of the file and the metadata part (`metadata_limit` bytes).
    """

    def __init__(self, upload: Upload, boundary: bytes, metadata_of: Callable[[object], object], *,
                 chunk_bytes: int = CHUNK_BYTES, metadata_limit: int = MULTIPART_ALLOWANCE):
        self.upload, self.metadata_of = upload, metadata_of
        self.chunk_bytes, self.metadata_limit = chunk_bytes, metadata_limit
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end, "on_end": self._end})
        self._out: list = []
        self._field, self._value = bytearray(), bytearray()
        self._headers: dict[str, bytes] = {}
        self._part = ""                          # the part being read
        self._raw = bytearray()                  # the metadata part
        self._buffer = bytearray()               # file bytes not yet sent
        self._metadata: Any = None               # the metadata message, once its part ended
        self._seen: set[str] = set()
        self._ended = False

    def feed(self, data: bytes) -> list:
        """The request messages completed by `data`; raises Problem (400, 413)."""
        try:
            self._parser.write(data)
        except MultipartParseError as exc:
            raise _malformed(str(exc).split("\n", 1)[0]) from None
        out, self._out = self._out, []
        return out

    def close(self) -> list:
        """At the end of the body: the last messages, or Problem for an incomplete form."""
        if not self._ended:
            raise _malformed("fin du corps avant la dernière limite (boundary)")
        for part in (METADATA_PART, FILE_PART):
            if part not in self._seen:
                raise _part_problem(part, "partie manquante", "MISSING_PART")
        out, self._out = self._out, []
        return out

    # ---- parser callbacks ----

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = bytes(self._value)
        self._field, self._value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        disposition, params = parse_options_header(self._headers.get("content-disposition", b"").decode("latin-1"))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if disposition != b"form-data" or not name:
            raise _malformed("une partie n'a pas d'en-tête Content-Disposition: form-data; name=...")
        if name not in (METADATA_PART, FILE_PART):
            raise _part_problem(name, "partie inconnue (attendues : metadata puis file)", "UNEXPECTED_PART")
        if name in self._seen:
            raise _part_problem(name, "partie en double", "UNEXPECTED_PART")
        self._seen.add(name)
        self._part = name
        if name == METADATA_PART:
            declared = self._part_type()
            if declared and not (declared == "application/json" or declared.endswith("+json")):
                why = "doit être du JSON (Content-Type: application/json)"
                raise Problem(415, f"Partie « {name} » : {why}", "INVALID_ARGUMENT", reason="UNSUPPORTED_MEDIA_TYPE",
                              violations=[FieldViolation(name, why)])
            return
        if self._metadata is None:
            raise _part_problem(METADATA_PART, "partie manquante : elle doit précéder la partie « file »",
                                "MISSING_PART")
        self._fill_from_file_headers(params)
        self._out.append(self.upload.first(self._metadata))

    def _fill_from_file_headers(self, params: dict[bytes, bytes]) -> None:
        """The file part's name and type fill the metadata's file name and content type when empty.
        A file name is the file system's, not typed text: its control characters are dropped."""
        fields = self._metadata.DESCRIPTOR.fields_by_name
        filename = characters.FORBIDDEN.sub("", params.get(b"filename", b"").decode("utf-8", "replace"))
        declared = self._part_type()
        for field, value in ((FILENAMES[0], filename), (CONTENT_TYPE, "" if declared == OCTET_STREAM else declared)):
            if value and field in fields and not getattr(self._metadata, field):
                setattr(self._metadata, field, value)

    def _part_type(self) -> str:
        return parse_options_header(self._headers.get("content-type", b"").decode("latin-1"))[0].decode("latin-1")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part == METADATA_PART:
            self._raw += data[start:end]
            if len(self._raw) > self.metadata_limit:
                raise Problem(413, f"Partie « metadata » trop volumineuse (au plus {self.metadata_limit} octets)",
                              "RESOURCE_EXHAUSTED", reason="BODY_TOO_LARGE")
            return
        buffer, size = self._buffer, self.chunk_bytes
        buffer += memoryview(data)[start:end]
        while len(buffer) >= size:
            with memoryview(buffer) as view:
                piece = bytes(view[:size])
            self._out.append(self.upload.piece(piece))
            del buffer[:size]

    def _part_end(self) -> None:
        if self._part == METADATA_PART:
            self._metadata = self.metadata_of(transcode.parse_json(bytes(self._raw)))
            self._raw = bytearray()
        elif self._buffer:
            self._out.append(self.upload.piece(bytes(self._buffer)))
            self._buffer = bytearray()
        self._part = ""

    def _end(self) -> None:
        self._ended = True


# ---- download: metadata message -> response headers -----------------------------------------

_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
                         r"(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=([A-Za-z0-9!#$&^_.+-]+|\"[^\"\\\x00-\x1f\x7f]*\"))*$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|]+')
_MAX_NAME = 120


def download_headers(metadata) -> tuple[bytes, list[tuple[bytes, bytes]], int | None]:
    """(content type, extra headers, content length or None) for the metadata message of a download."""
    def text(name: str) -> str:
        return getattr(metadata, name) if metadata is not None and name in metadata.DESCRIPTOR.fields_by_name else ""

    content_type = text(CONTENT_TYPE).strip()
    if not _MEDIA_TYPE.match(content_type):
        content_type = OCTET_STREAM
    name = next((text(field) for field in FILENAMES if text(field).strip()), "")
    headers = [(b"content-disposition", content_disposition(name, content_type).encode("ascii")),
               (b"x-content-type-options", b"nosniff")]
    length = None
    if metadata is not None and SIZE in metadata.DESCRIPTOR.fields_by_name and getattr(metadata, SIZE) > 0:
        length = getattr(metadata, SIZE)
        headers.append((b"content-length", str(length).encode()))
    digest = text(SHA256)
    if _SHA256.match(digest):
        headers.append((b"x-content-sha256", digest.lower().encode()))
    return content_type.encode("latin-1"), headers, length


def safe_filename(name: str, content_type: str = "") -> str:
    """A file name safe to offer: no path, control or bidi characters, bounded, with an extension."""
    stem, extension = _split_name(name, content_type)
    return f"{stem}.{extension}" if extension else stem


def _split_name(name: str, content_type: str) -> tuple[str, str]:
    name = "".join(" " if unicodedata.category(ch)[0] == "Z" else ch
                   for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_IN_NAMES.sub("_", name).strip(" ._")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not extension.isalnum() or len(extension) > 10:
        stem, extension = name, ""
        media = content_type.split(";")[0].strip().lower()
        guessed = mimetypes.guess_extension(media) if media and media != OCTET_STREAM else None
        extension = guessed.lstrip(".") if guessed else ""
    return stem[:_MAX_NAME].rstrip(" .") or "document", extension


def content_disposition(name: str, content_type: str = "") -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 8187 `filename*`."""
    stem, extension = _split_name(name, content_type)
    exact = f"{stem}.{extension}" if extension else stem

    def ascii_only(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9 !#$&'()+,.=@^_`{}~-]", "_", text).strip(" ._")

    fallback = ascii_only(stem) or "document"
    if ascii_only(extension):
        fallback += "." + ascii_only(extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(exact, safe='')}"
