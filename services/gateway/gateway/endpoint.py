"""The one ASGI endpoint behind every derived route: HTTP request -> gRPC call -> HTTP response."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from urllib.parse import quote

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace

from gateway import media, observe, raw, streams, transcode
from gateway import problems
from gateway.overload import Admission
from gateway.problems import Problem, from_rpc_error, routing_problem
from gateway.ratelimit import RateLimiter, rate_limited
from gateway.routes import Route, Router
from gateway.tokens import Authenticator
from gateway.upstreams import Upstreams
from meskit.auth import Caller
from meskit.clients import outbound_metadata
from meskit.logs import request_id_var
from meskit.telemetry import extract_trace_context, tracer

log = logging.getLogger("gateway")

JSON = b"application/json"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    upstream_timeout: float
    stream_timeout: float            # server- and client-streaming calls
    max_upload_bytes: int            # the file of an upload; its body may add media.MULTIPART_ALLOWANCE
    heartbeat: float                 # seconds of silence after which a watch sends a heartbeat line


@dataclass(frozen=True)
class Limiters:
    admission: Admission             # requests in flight in this process (watches excepted)
    public: RateLimiter              # per client address, public routes
    token: RateLimiter               # per token subject (rate_key), every other route


def rate_key(caller: Caller) -> str:
    """Whose requests a token carries: its subject, and for whom a delegate or an app acts. Not the
    token itself, which a refresh replaces (and tokens carry no session id): a subject's sessions
    share one bucket."""
    return f"{caller.actor_type}:{caller.subject}:{caller.on_behalf_of}"


class _Exchange:
    """What is known about one HTTP exchange while it is handled."""

    __slots__ = ("send", "request_id", "started", "status", "problem", "errors")
    problem: dict | None

    def __init__(self, send, request_id: str):
        self.send, self.request_id = send, request_id
        self.started, self.status, self.problem = False, 0, None
        self.errors = 0   # a raw route's Media.ErrorFormat (0: problem JSON)

    async def start(self, status: int, content_type: bytes, extra: list | None = None) -> None:
        headers = [(b"content-type", content_type), (b"x-request-id", self.request_id.encode()),
                   (b"cache-control", b"no-store")]
        if extra:
            headers.extend(extra)
        self.started, self.status = True, status
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def respond(self, status: int, content_type: bytes, body: bytes, extra: list | None = None) -> None:
        await self.start(status, content_type, [(b"content-length", str(len(body)).encode()), *(extra or [])])
        await self.send({"type": "http.response.body", "body": body})

    async def chunk(self, body: bytes) -> None:
        if body:
            await self.send({"type": "http.response.body", "body": body, "more_body": True})

    async def fail(self, problem: Problem) -> None:
        self.problem = problem.body(self.request_id)
        status, content_type, body = raw.error(problem, self.errors, self.request_id)
        extra = [(name.encode(), value.encode()) for name, value in problem.headers.items()]
        await self.respond(status, content_type, body, extra)


def _headers(scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _path(scope) -> str:
    raw = scope.get("raw_path")
    if raw:
        return raw.split(b"?", 1)[0].decode("latin-1")
    return quote(scope["path"])


def _is_json(content_type: str) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if not (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))):
        return False
    charset = params.lower().replace(" ", "").partition("charset=")[2].split(";")[0].strip('"')
    return charset in ("", "utf-8", "utf8")


class Endpoint:
    def __init__(self, router: Router, upstreams: Upstreams, authenticator: Authenticator | None,
                 limiters: Limiters, limits: Limits, *, tracing: bool = True):
        self.router, self.upstreams, self.authenticator = router, upstreams, authenticator
        self.limiters, self.limits, self.tracing = limiters, limits, tracing

    async def __call__(self, scope, receive, send) -> None:
        began = time.perf_counter()
        headers = _headers(scope)
        exchange = _Exchange(send, observe.request_id(headers.get("x-request-id")))
        id_token = request_id_var.set(exchange.request_id)
        method = scope["method"]
        resolution = self.router.resolve(method, _path(scope))
        route = resolution.route
        label = route.template.text if route is not None else "unmatched"
        # a raw route answers in its format, also when only the method is wrong
        bound = route or (self.router.resolve(resolution.allowed[0], _path(scope)).route if resolution.allowed else None)
        if bound is not None and isinstance(bound.media, media.Raw):
            exchange.errors = bound.media.errors
        method_label = method if method in _METHODS else "OTHER"   # bounded metric labels
        with self._span(method_label, label, headers) as span:
            try:
                if route is None:
                    raise routing_problem(resolution.allowed)
                admission = self.limiters.admission
                if route.watch or not admission.enabled:
                    await self._handle(route, resolution.variables, scope, receive, exchange, headers)
                else:
                    if not admission.try_enter():
                        await admission.enter()
                    try:
                        await self._handle(route, resolution.variables, scope, receive, exchange, headers)
                    finally:
                        admission.leave()
            except Problem as problem:
                if not exchange.started:
                    await exchange.fail(problem)
            except Exception:
                log.exception("unexpected error", extra={"route": label, "method": method_label})
                if not exchange.started:
                    await exchange.fail(problems.internal())
            if span is not None:
                span.set_attribute("http.request.method", method_label)
                span.set_attribute("http.route", label)
                span.set_attribute("http.response.status_code", exchange.status)
                if exchange.status >= 500:
                    span.set_status(trace.StatusCode.ERROR)
        observe.record(label, method_label, exchange.status, time.perf_counter() - began, exchange.problem)
        request_id_var.reset(id_token)

    def _span(self, method: str, label: str, headers: dict[str, str]):
        """A server span when tracing is on; else only the client's trace context, passed along."""
        parent = None
        if "traceparent" in headers:
            parent = extract_trace_context({k: headers[k] for k in ("traceparent", "tracestate") if k in headers})
        if self.tracing:
            return tracer().start_as_current_span(f"{method} {label}", context=parent, kind=trace.SpanKind.SERVER)
        if parent is not None:
            return _attached(parent)
        return contextlib.nullcontext()

    async def _handle(self, route: Route, variables, scope, receive, exchange: _Exchange, headers) -> None:
        client = scope["client"][0] if scope.get("client") else ""
        authorization = None
        if route.public:
            if self.limiters.public.enabled and (wait := self.limiters.public.take(client)):
                raise rate_limited(wait)
        else:
            if self.authenticator is None:
                raise Problem(503, "Vérification des jetons indisponible (identity non configuré)",
                              "UNAVAILABLE", reason="UPSTREAM_NOT_CONFIGURED")
            caller = await self.authenticator.caller(headers.get("authorization"))
            if self.limiters.token.enabled and (wait := self.limiters.token.take(rate_key(caller))):
                raise rate_limited(wait)
            authorization = headers["authorization"]
        query = scope.get("query_string", b"").decode("latin-1")
        uploading, passing = isinstance(route.media, media.Upload), isinstance(route.media, media.Raw)
        if uploading:   # the body is read while the call runs: check what can be checked first
            form = self._form(route, variables, query, headers)
        elif passing:
            _declared_length(headers, self.limits.max_body_bytes)
            received = b"".join([chunk async for chunk in _chunks(receive, self.limits.max_body_bytes)])
            message = raw.web_request(route, variables, scope, headers, _path(scope), query, received)
        else:
            body = await self._body(route, receive, headers) if route.body else None
            message = transcode.build_request(route, variables, query, body)
        upstream = self.upstreams.get(route.upstream)
        if upstream is None:
            raise Problem(503, f"Service {route.upstream} non configuré", "UNAVAILABLE",
                          reason="UPSTREAM_NOT_CONFIGURED")
        metadata = outbound_metadata(authorization)
        if client:
            metadata.append(("x-forwarded-for", client))
        call = upstream.callable(route)
        if uploading:
            reply = await self._upload(form, lambda: call(timeout=self.limits.stream_timeout, metadata=metadata),
                                       receive)
        elif route.server_streaming:
            render = streams.Bytes(route.media) if route.media is not None else streams.Lines(route)
            await self._stream(render, call(message, timeout=self.limits.stream_timeout, metadata=metadata),
                               receive, exchange)
            return
        else:
            try:
                reply = await call(message, timeout=self.limits.upstream_timeout, metadata=metadata)
            except grpc.RpcError as exc:
                raise from_rpc_error(exc) from None
        if passing:
            status, content_type, extra, answer = raw.response(reply)
            await exchange.respond(status, content_type, answer, extra)
            return
        await exchange.respond(200, JSON, transcode.to_json(reply, route.response_body))

    async def _body(self, route: Route, receive, headers) -> object:
        limit = self.limits.max_body_bytes
        declared = _declared_length(headers, limit)
        if (declared not in (None, 0) or "transfer-encoding" in headers) \
                and not _is_json(headers.get("content-type", "")):
            raise _unsupported_media_type()
        chunks = [chunk async for chunk in _chunks(receive, limit)]
        raw = b"".join(chunks)
        if not raw.strip():
            return None
        if not _is_json(headers.get("content-type", "")):
            raise _unsupported_media_type()
        return transcode.parse_json(raw)

    def _form(self, route: Route, variables, query: str, headers) -> media.MultipartUpload:
        """The upload's multipart reader, once the headers are known to be acceptable."""
        _declared_length(headers, self.limits.max_upload_bytes + media.MULTIPART_ALLOWANCE)
        boundary = media.boundary_of(headers.get("content-type", ""))
        return media.MultipartUpload(route.media, boundary,
                                     lambda document: transcode.build_request(route, variables, query, document))

    async def _upload(self, form: media.MultipartUpload, start, receive):
        """Streams the form's messages to the client-streaming call (made by `start()` once the first
        message is ready) as the body arrives; returns its reply.

        One message is in flight at a time, so memory holds a receive() worth of body and a chunk.
        """
        call, ends = None, []
        try:
            async with contextlib.aclosing(_chunks(receive, self.limits.max_upload_bytes + media.MULTIPART_ALLOWANCE,
                                                   ending=True)) as body:
                async for data in body:
                    for message in (form.feed(data) if data is not None else form.close()):
                        if call is None:
                            call = start()
                            call.add_done_callback(lambda done: ends.append(streams.ending(done)))
                        try:
                            await call.write(message)
                        except (asyncio.InvalidStateError, grpc.RpcError):   # the service ended the call
                            return await streams.outcome(call, ends)
            await call.done_writing()   # close() guarantees a first message, hence a call
            return await streams.outcome(call, ends)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            if call is not None:
                call.cancel()   # no-op once the call is done

    async def _stream(self, render, call, receive, exchange: _Exchange) -> None:
        """The messages of a server-streaming `call`, rendered by `render` (streams.Lines or Bytes).

        Lines start at once and send a heartbeat line while idle; Bytes wait for the first
        message, whose metadata gives the headers, so a download that fails at once gets a real status.
        """
        watcher = asyncio.ensure_future(_disconnected(receive))
        watcher.add_done_callback(lambda _: call.cancel())
        try:
            if render.immediate:
                await exchange.start(200, render.content_type, render.headers)
                async with contextlib.aclosing(streams.paced(call, self.limits.heartbeat)) as replies:
                    async for reply in replies:
                        await exchange.chunk(render.heartbeat if reply is None else render.body(reply))
            else:
                content_type, extra, body = render.head(await call.read())
                await exchange.start(200, content_type, extra)
                await exchange.chunk(body)
                reply = await call.read()
                while reply is not grpc.aio.EOF:
                    await exchange.chunk(render.body(reply))
                    reply = await call.read()
            render.finish()
        except (asyncio.CancelledError, grpc.RpcError, Problem) as exc:
            if watcher.done():   # the client went away, its call was cancelled: nobody to answer
                exchange.status = exchange.status or 499
                return
            if isinstance(exc, asyncio.CancelledError):
                raise
            problem = exc if isinstance(exc, Problem) else from_rpc_error(exc)
            if not exchange.started:
                raise problem from None
            tail = render.broken(problem, exchange.request_id)
            if tail is None:   # leave the response incomplete: the server closes the connection
                exchange.problem = problem.body(exchange.request_id)
                log.warning("stream broken after its start, connection aborted",
                            extra={"code": problem.code, "reason": problem.reason})
                return
            await exchange.chunk(tail)
        finally:
            watcher.cancel()
            call.cancel()
        await exchange.send({"type": "http.response.body", "body": b""})


def _declared_length(headers, limit: int) -> int | None:
    """The Content-Length, checked: 400 when malformed, 413 over `limit` (before reading)."""
    declared = headers.get("content-length")
    if declared is None:
        return None
    if not (declared.isascii() and declared.isdigit()):
        raise Problem(400, "En-tête Content-Length invalide", "INVALID_ARGUMENT", reason="BAD_CONTENT_LENGTH")
    if int(declared) > limit:
        raise _too_large(limit)
    return int(declared)


async def _chunks(receive, limit: int, *, ending: bool = False):
    """The body as it arrives, counted against `limit` (413); then None when `ending`."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Problem(499, "Requête abandonnée par le client", "CANCELLED")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        yield chunk
        if not message.get("more_body", False):
            break
    if ending:
        yield None


@contextlib.contextmanager
def _attached(parent):
    token = otel_context.attach(parent)
    try:
        yield None
    finally:
        otel_context.detach(token)


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _unsupported_media_type() -> Problem:
    return Problem(415, "Le corps doit être du JSON (Content-Type: application/json)", "INVALID_ARGUMENT",
                   reason="UNSUPPORTED_MEDIA_TYPE")


def _too_large(limit: int) -> Problem:
    return Problem(413, f"Corps de requête trop volumineux (au plus {limit} octets)", "RESOURCE_EXHAUSTED",
                   reason="BODY_TOO_LARGE")
