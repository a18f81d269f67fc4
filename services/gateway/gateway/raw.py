"""Raw routes (media.Raw): the HTTP request as a mes.web.v1.WebRequest, the WebResponse back as
HTTP, and the gateway's own errors in the route's format: problem JSON, RFC 6749 §5.2 or a FHIR R4
OperationOutcome."""
from __future__ import annotations

import json
import re
import unicodedata

from mes.options.v1 import options_pb2
from mes.web.v1 import web_pb2

from gateway import problems
from gateway.problems import Problem
from gateway.routes import Route

# What the upstream sees of the request's headers; authorization only on public routes (an OAuth
# client's Basic credentials): elsewhere the verified bearer token travels as gRPC metadata.
PASSED_HEADERS = ("content-type", "accept", "cookie", "origin", "referer", "user-agent")
# What the gateway sets itself, or what belongs to one hop only.
_DROPPED = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                      "proxy-authenticate", "proxy-authorization", "content-length", "content-type",
                      "x-request-id", "cache-control", "date", "server"})
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
OCTET_STREAM = b"application/octet-stream"

FHIR_JSON = b"application/fhir+json"
OAUTH_JSON = b"application/json"
# FHIR R4 IssueType of an answer's status (http://hl7.org/fhir/valueset-issue-type.html).
_FHIR_ISSUE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               409: "conflict", 413: "too-costly", 415: "not-supported", 422: "invalid", 429: "throttled",
               499: "incomplete", 501: "not-supported", 503: "transient", 504: "timeout"}
# RFC 6749 §5.2 error codes of the statuses the gateway answers itself or gets as a gRPC status.
_OAUTH_ERROR = {400: "invalid_request", 401: "invalid_client", 403: "access_denied", 404: "invalid_request",
                405: "invalid_request", 409: "invalid_request", 413: "invalid_request", 415: "invalid_request",
                429: "temporarily_unavailable", 503: "temporarily_unavailable", 504: "temporarily_unavailable"}


def web_request(route: Route, variables: dict[str, str], scope, headers: dict[str, str], path: str, query: str,
                body: bytes) -> web_pb2.WebRequest:
    passed = [web_pb2.Header(name=name, value=headers[name]) for name in PASSED_HEADERS if name in headers]
    if route.public and "authorization" in headers:
        passed.append(web_pb2.Header(name="authorization", value=headers["authorization"]))
    return web_pb2.WebRequest(method=scope["method"], path=path, path_params=variables, query=query,
                              headers=passed, body=body, base_url=base_url(scope, headers))


def base_url(scope, headers: dict[str, str]) -> str:
    """The scheme and host the client used, as the ingress forwards them (else as received)."""
    scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        scheme = scope.get("scheme", "http")
    for host in (headers.get("x-forwarded-host", "").split(",")[0].strip(), headers.get("host", "")):
        if host and _HOST.match(host):
            return f"{scheme}://{host}"
    server = scope.get("server") or ("localhost", None)
    return f"{scheme}://{server[0]}" + (f":{server[1]}" if server[1] else "")


def response(reply: web_pb2.WebResponse) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
    """(status, content type, headers, body) of the upstream's answer; a status out of 200..599 is
    the upstream's fault (500)."""
    if not 200 <= reply.status <= 599:
        raise problems.internal()
    content_type, extra = OCTET_STREAM, []
    for header in reply.headers:
        name, value = header.name.lower(), header.value
        if "\r" in value or "\n" in value or not name.isascii():
            continue
        if name == "content-type":
            content_type = value.encode("latin-1", "replace")
        elif name not in _DROPPED:
            extra.append((name.encode(), value.encode("latin-1", "replace")))
    return reply.status, content_type, extra, reply.body


def error(problem: Problem, errors: int, request_id: str) -> tuple[int, bytes, bytes]:
    """(status, content type, body) of `problem` in the route's error format."""
    if errors == options_pb2.Media.ERROR_FORMAT_OAUTH:
        return problem.status, OAUTH_JSON, _json({"error": _OAUTH_ERROR.get(problem.status, "server_error"),
                                                  "error_description": _ascii(problem.detail)})
    if errors == options_pb2.Media.ERROR_FORMAT_FHIR:
        return _operation_outcome(problem)
    return problem.status, problems.CONTENT_TYPE.encode(), problem.encode(request_id)


def _operation_outcome(problem: Problem) -> tuple[int, bytes, bytes]:
    status = 422 if problem.code == "INVALID_ARGUMENT" else problem.status
    details = {"details": {"coding": [{"system": "urn:mes:reason", "code": problem.reason}]}} if problem.reason else {}
    if problem.violations:
        issues = [{"severity": "error", "code": "invalid", "diagnostics": v.description, "expression": [v.field],
                   **details} for v in problem.violations]
    else:
        issues = [{"severity": "error", "code": _FHIR_ISSUE.get(status, "exception"), "diagnostics": problem.detail,
                   **details}]
    return status, FHIR_JSON, _json({"resourceType": "OperationOutcome", "issue": issues})


def _ascii(text: str) -> str:
    """RFC 6749's error_description allows printable ASCII but '"' and '\\': accents stripped."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain if " " <= c <= "~" and c not in '"\\')


def _json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
