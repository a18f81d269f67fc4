"""One error shape for every failure (RFC 9457 problem details) and the gRPC -> HTTP table."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus

import grpc

from meskit.errors import FieldViolation
from meskit.interceptor import INTERNAL_MESSAGE
from meskit.status import details

CONTENT_TYPE = "application/problem+json"
UNAVAILABLE_RETRY_AFTER = "1"      # seconds; a lost service is retried at least every second

# As grpc-gateway's runtime/errors.go HTTPStatusFromCode.
HTTP_STATUS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}

# Shown instead of the upstream's message for server-side failures: never echo internals.
_GENERIC_DETAIL = {
    500: INTERNAL_MESSAGE,
    501: "Opération non disponible",
    503: "Service momentanément indisponible, veuillez réessayer",
    504: "Le service n'a pas répondu à temps",
}


def http_status(code: str) -> int:
    return HTTP_STATUS.get(code, 500)


def _title(status: int) -> str:
    if status == 499:
        return "Client Closed Request"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass(eq=False)
class Problem(Exception):
    """An HTTP error answered as application/problem+json."""

    status: int
    detail: str
    code: str                                   # gRPC code name, also for gateway-local errors
    reason: str = ""
    violations: list[FieldViolation] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)    # extension members, e.g. not-ready upstreams

    def __post_init__(self):
        super().__init__(self.detail)

    def body(self, request_id: str) -> dict:
        document = {"type": "about:blank", "title": _title(self.status), "status": self.status,
                    "detail": self.detail, "code": self.code}
        if self.reason:
            document["reason"] = self.reason
        if self.violations:
            document["violations"] = [{"field": v.field, "description": v.description}
                                      for v in self.violations]
        document.update(self.extra)
        document["request_id"] = request_id
        return document

    def encode(self, request_id: str) -> bytes:
        return json.dumps(self.body(request_id), ensure_ascii=False, separators=(",", ":")).encode()


def invalid(detail: str, violations: list[FieldViolation] | None = None, reason: str = "") -> Problem:
    return Problem(400, detail, "INVALID_ARGUMENT", reason=reason, violations=list(violations or []))


def unauthenticated(detail: str, reason: str = "", *, token_present: bool = True) -> Problem:
    challenge = 'Bearer realm="mes", error="invalid_token"' if token_present else 'Bearer realm="mes"'
    return Problem(401, detail, "UNAUTHENTICATED", reason=reason, headers={"www-authenticate": challenge})


def internal() -> Problem:
    return Problem(500, INTERNAL_MESSAGE, "INTERNAL")


def routing_problem(allowed: tuple[str, ...] | list[str] = ()) -> Problem:
    """404 for an unknown address, 405 (with Allow) when only the method is wrong."""
    if allowed:
        return Problem(405, "Méthode HTTP non permise pour cette adresse", "UNIMPLEMENTED",
                       reason="METHOD_NOT_ALLOWED", headers={"allow": ", ".join(sorted(allowed))})
    return Problem(404, "Adresse inconnue", "NOT_FOUND", reason="ROUTE_NOT_FOUND")


def from_rpc_error(error: grpc.RpcError) -> Problem:
    """The problem for a failed upstream call, reading google.rpc.Status details when sent."""
    code = error.code().name if error.code() is not None else "UNKNOWN"
    status = http_status(code)
    found = details(error)
    violations = found.violations
    headers = {"retry-after": str(found.retry_after_seconds)} if found.retry_after_seconds else {}
    if status == 503:   # unreachable or shedding load: a client may come back soon
        headers.setdefault("retry-after", UNAVAILABLE_RETRY_AFTER)
    if status >= 500 and (not found.rich or status == 500):
        detail = _GENERIC_DETAIL.get(status, _GENERIC_DETAIL[500])
    else:
        detail = error.details() or _title(status)
    if status == 401:
        problem = unauthenticated(detail, found.reason)
        problem.violations = violations
        return problem
    return Problem(status, detail, code, found.reason, violations, headers)
