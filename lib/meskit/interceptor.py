"""One server interceptor for every service: request id, trace, caller, errors, metrics.

- the caller is verified from `authorization: Bearer <jwt>` unless the method is public; a
  connected app's token only reaches the methods whose contract opens them to apps;
- every string of a request (nested, repeated, map values) holding a control character is
  refused with INVALID_ARGUMENT naming its field (meskit.characters), before the servicer runs;
- a call whose deadline passed while it waited for a worker thread is not started
  (DEADLINE_EXCEEDED); while it runs, its outgoing calls get at most its remaining time
  (meskit.clients);
- typed domain errors become the matching gRPC status, with field violations and a reason
  carried as google.rpc.Status details; the database out of reach (its connection lost, the
  server restarting) becomes UNAVAILABLE, which a client retries; anything unexpected becomes
  INTERNAL with a generic message, its traceback logged.
"""
from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import trace

from meskit import auth
from meskit.characters import refuse_controls
from meskit.clients import incoming_call
from meskit.errors import DeadlineExceeded, DomainError, PermissionDenied, Unauthenticated, Unavailable
from meskit.logs import request_id_var
from meskit.telemetry import RPC_LATENCY, RPC_REQUESTS, server_span

log = logging.getLogger("meskit.rpc")

INTERNAL_MESSAGE = "Erreur interne, veuillez réessayer plus tard"
DATABASE_UNAVAILABLE = "Service momentanément indisponible, veuillez réessayer dans un instant"
SLOW_RPC_SECONDS = 1.0          # a successful call this long is logged, with its method and duration


def status_for(error: DomainError) -> grpc.Status:
    details = []
    if error.violations:
        details.append(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations]))
    if error.reason:
        details.append(error_details_pb2.ErrorInfo(reason=error.reason, domain="mes"))
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    return rpc_status.to_status(status_pb2.Status(
        code=getattr(code_pb2, error.code), message=error.message, details=packed))


def database_unreachable(exc: BaseException) -> bool:
    """The database could not be reached or dropped the session (a restart, a failover): a transient
    failure, not a defect of the call. The driver's OperationalError, raw or as SQLAlchemy wraps it."""
    try:
        import psycopg
        import sqlalchemy.exc
    except ImportError:         # a process without a database
        return False
    return isinstance(exc, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.DisconnectionError,
                            psycopg.OperationalError))


def _checked_stream(requests):
    """The client's messages, each refused (InvalidArgument) if a string holds a control character."""
    return (refuse_controls(request) for request in requests)


class _Call:
    __slots__ = ("method", "started", "span", "span_cm", "tokens", "incoming", "code", "metadata")
    method: str
    started: float
    span: trace.Span | None
    span_cm: AbstractContextManager[trace.Span | None]
    tokens: list[contextvars.Token[str]]
    incoming: contextvars.Token
    code: str
    metadata: dict[str, str]


class KitInterceptor(grpc.ServerInterceptor):
    def __init__(self, service: str, verifier: auth.TokenVerifier | None, public_methods: Iterable[str],
                 app_methods: Iterable[str] = ()):
        """`public_methods`, `app_methods` (those connected apps may call) are full method paths,
        `/package.Service/Method`."""
        self._service = service
        self._verifier = verifier
        self._public = frozenset(public_methods)
        self._for_apps = frozenset(app_methods)
        self._metrics: dict[tuple[str, str], tuple] = {}
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        wrapped = self._handlers.get(method)
        if wrapped is None:
            handler = continuation(handler_call_details)
            if handler is None:
                return None
            wrapped = self._handlers[method] = self._wrap(method, handler)   # a server's methods are fixed
        return wrapped

    def _wrap(self, method, handler):
        public = method in self._public or method.startswith("/grpc.")
        if handler.unary_unary:
            return handler._replace(unary_unary=self._unary(method, public, handler.unary_unary, refuse_controls))
        if handler.stream_unary:
            return handler._replace(stream_unary=self._unary(method, public, handler.stream_unary, _checked_stream))
        if handler.unary_stream:
            return handler._replace(unary_stream=self._streaming(method, public, handler.unary_stream,
                                                                 refuse_controls))
        return handler._replace(stream_stream=self._streaming(method, public, handler.stream_stream, _checked_stream))

    def _unary(self, method, public, behavior, checked):
        def wrapped(request, context):
            call = self._enter(method, context)
            try:
                self._authenticate(public, context, call)
                return behavior(checked(request), context)
            except BaseException as exc:
                self._fail(exc, context, call)
            finally:
                self._exit(call, context)
        return wrapped

    def _streaming(self, method, public, behavior, checked):
        def wrapped(request, context):
            call = self._enter(method, context)
            try:
                self._authenticate(public, context, call)
                yield from behavior(checked(request), context)
            except BaseException as exc:
                self._fail(exc, context, call)
            finally:
                self._exit(call, context)
        return wrapped

    def _series(self, method: str, code: str):
        """The counter and histogram of a method and code (label lookups cost more than the update)."""
        found = self._metrics.get((method, code))
        if found is None:
            short = method.rsplit("/", 1)[-1]
            found = self._metrics[(method, code)] = (RPC_REQUESTS.labels(self._service, short, code),
                                                     RPC_LATENCY.labels(self._service, short))
        return found

    def _enter(self, method, context) -> _Call:
        metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        call = _Call()
        call.method, call.started, call.code = method, time.perf_counter(), "OK"
        call.tokens = [request_id_var.set(metadata.get("x-request-id") or uuid.uuid4().hex)]
        call.incoming = incoming_call.set(context)
        call.span_cm = server_span(method, metadata)
        call.span = call.span_cm.__enter__()
        call.metadata = metadata
        return call

    def _authenticate(self, public: bool, context, call: _Call) -> None:
        if context.time_remaining() <= 0:   # it waited for a worker thread past its deadline
            raise DeadlineExceeded("Délai de la requête dépassé", reason="CALLER_GONE")
        if public:
            return
        token = auth.bearer_token(call.metadata.get("authorization"))
        if token is None:
            raise Unauthenticated("Authentification requise", reason="TOKEN_MISSING")
        if self._verifier is None:
            raise Unauthenticated("Vérification du jeton impossible")
        caller = self._verifier.verify(token)
        if caller.actor_type == auth.APP and call.method not in self._for_apps:
            raise PermissionDenied("Opération non ouverte aux services connectés", reason="APP_NOT_ALLOWED")
        call.tokens.append(auth.set_current_caller(caller))

    def _fail(self, exc: BaseException, context, call: _Call) -> None:
        if database_unreachable(exc):
            log.warning("database unreachable in %s: %s", call.method, type(exc).__name__)
            exc = Unavailable(DATABASE_UNAVAILABLE, reason="DATABASE_UNAVAILABLE")
        if isinstance(exc, DomainError):
            call.code = exc.code
            if exc.code == "INTERNAL":
                log.error("internal error in %s", call.method, exc_info=exc)
            context.abort_with_status(status_for(exc))
        code = context.code() if hasattr(context, "code") else None
        if code is not None and code != grpc.StatusCode.OK:  # the handler aborted by itself
            call.code = code.name
            raise exc
        if isinstance(exc, GeneratorExit):  # the client went away in the middle of a stream
            call.code = "CANCELLED"
            raise exc
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise exc
        call.code = "INTERNAL"
        log.error("unexpected error in %s", call.method, exc_info=exc)
        context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)

    def _exit(self, call: _Call, context) -> None:
        elapsed = time.perf_counter() - call.started
        counter, latency = self._series(call.method, call.code)
        counter.inc()
        latency.observe(elapsed)
        # logged inside the span so that the line carries the trace id
        if call.code != "OK":
            log.info("rpc finished", extra={"method": call.method, "code": call.code,
                                            "duration_ms": round(elapsed * 1000, 2)})
        elif elapsed >= SLOW_RPC_SECONDS:
            log.warning("slow rpc", extra={"method": call.method, "duration_ms": round(elapsed * 1000, 2)})
        if call.span is not None:
            call.span.set_attribute("rpc.grpc.status_code", call.code)
        call.span_cm.__exit__(None, None, None)
        for token in reversed(call.tokens[1:]):
            auth.reset_current_caller(token)
        incoming_call.reset(call.incoming)
        request_id_var.reset(call.tokens[0])
