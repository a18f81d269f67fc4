"""Typed domain errors with a transport-neutral code.

Domain code raises these; one server interceptor turns them into a gRPC status and the
gateway turns that status into an HTTP problem; `received` turns a status received from another
service back into one of these. Messages are shown to users (French is fine) and must never carry
secrets or health data. This module imports no gRPC code at load time: the domain imports it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, violations: list[FieldViolation] | None = None,
                 reason: str = ""):
        super().__init__(message)
        self.message = message
        self.violations = list(violations or [])
        self.reason = reason


class InvalidArgument(DomainError):
    code = "INVALID_ARGUMENT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class FailedPrecondition(DomainError):
    code = "FAILED_PRECONDITION"


class ResourceExhausted(DomainError):
    code = "RESOURCE_EXHAUSTED"


class Unavailable(DomainError):
    code = "UNAVAILABLE"


class Unimplemented(DomainError):
    code = "UNIMPLEMENTED"


class DeadlineExceeded(DomainError):
    """The call being served has expired or its client has gone: no work is left to do for it."""
    code = "DEADLINE_EXCEEDED"


@dataclass
class Violations:
    """Collects field violations, then raises them all at once."""

    items: list[FieldViolation] = field(default_factory=list)

    def add(self, field_name: str, description: str) -> None:
        self.items.append(FieldViolation(field_name, description))

    def require(self, value: object, field_name: str) -> None:
        if value in (None, "", b""):
            self.add(field_name, "champ obligatoire")

    def max_length(self, value: str, field_name: str, limit: int) -> None:
        if len(value) > limit:
            self.add(field_name, f"{limit} caractères au plus")

    def raise_if_any(self, message: str = "Requête invalide") -> None:
        if self.items:
            raise InvalidArgument(message, violations=self.items)


ERRORS_BY_CODE: dict[str, type[DomainError]] = {cls.code: cls for cls in (
    InvalidArgument, NotFound, AlreadyExists, PermissionDenied, Unauthenticated, FailedPrecondition,
    ResourceExhausted, Unavailable, Unimplemented)}


def code_name(error: BaseException) -> str:
    """The gRPC status name of an error received from another service ("" when it has none)."""
    code = getattr(error, "code", None)
    return getattr(code() if callable(code) else None, "name", "")


def received(error: BaseException, fallback: DomainError, **messages: str) -> DomainError:
    """A gRPC error received from another service, as the kit's typed error to raise in turn.

    `messages` names the statuses passed on to our own caller, with the message shown to them
    (`NOT_FOUND="Profil introuvable"`); they keep the field violations and reason the other service
    sent. Any other status (unreachable, deadline exceeded, refused credentials, internal) is
    `fallback`, usually an Unavailable: what went wrong between services is not the caller's doing.
    """
    name = code_name(error)
    if name not in messages or name not in ERRORS_BY_CODE:
        return fallback
    from meskit.status import details   # gRPC code, loaded only when an error arrives
    found = details(error)
    return ERRORS_BY_CODE[name](messages[name], violations=found.violations, reason=found.reason)


ID_LIMIT = 64


def require_ids(**ids: str) -> None:
    """Each named identifier given and at most ID_LIMIT characters; INVALID_ARGUMENT naming them otherwise."""
    v = Violations()
    for name, value in ids.items():
        v.require(value, name)
        v.max_length(value, name, ID_LIMIT)
    v.raise_if_any()
