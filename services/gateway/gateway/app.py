"""The composition root: `build_app(settings)` -> a Starlette app serving every derived route."""
from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway import media, observe, openapi, problems, protos, routes
from gateway.config import Settings
from gateway.endpoint import Endpoint, Limiters, Limits
from gateway.overload import Admission
from gateway.problems import CONTENT_TYPE, Problem, routing_problem
from gateway.ratelimit import RateLimiter
from gateway.tokens import Authenticator, Keys
from gateway.upstreams import Upstreams, jwks_fetcher

log = logging.getLogger("gateway")
_ANY = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def build_app(settings: Settings, channels: Mapping[str, grpc.aio.Channel] | None = None, *,
              services: Sequence[ServiceDescriptor] | None = None, tracing: bool | None = None) -> GatewayApp:
    """`channels` replaces the channel of an upstream by name ("identity", ...); they must belong
    to the event loop that will serve the app. `services` replaces proto discovery. `tracing`
    (default: when an OTLP endpoint is set) opens a server span per request; without it the
    client's traceparent is still passed on to the services."""
    if services is None:
        services = protos.services_of(protos.import_generated())
    table = [route for service in services for route in media.routes_for(service)]
    router = routes.Router(table)
    names = sorted({route.upstream for route in table})
    upstreams = Upstreams({name: settings.address_of(name) for name in names}, channels,
                          {route.upstream: route.method.containing_service.full_name for route in table
                           if protos.package_name(route.method.containing_service) == route.upstream})
    missing = [name for name in names if upstreams.get(name) is None]
    if missing:
        log.warning("upstreams not configured, their routes answer 503", extra={"upstreams": missing})
    identity = upstreams.get("identity")
    keys = Keys(jwks_fetcher(identity)) if identity is not None else None
    authenticator = (Authenticator(keys, issuer=settings.token_issuer, audience=settings.token_audience)
                     if keys is not None else None)
    endpoint = Endpoint(router, upstreams, authenticator,
                        Limiters(Admission(settings.max_in_flight, settings.queue_wait_seconds),
                                 RateLimiter(settings.rate_limit_public_per_minute),
                                 RateLimiter(settings.rate_limit_token_per_minute, max_clients=50_000)),
                        Limits(settings.max_body_bytes, settings.upstream_timeout_seconds,
                               settings.stream_timeout_seconds, settings.max_upload_bytes,
                               settings.stream_heartbeat_seconds),
                        tracing=bool(settings.otlp_endpoint) if tracing is None else tracing)
    spec = json.dumps(openapi.document(table), ensure_ascii=False).encode()
    state = State()

    async def healthz(request: Request) -> Response:
        return _json(request, 200, b'{"status":"ok"}')

    async def readyz(request: Request) -> Response:
        if not state.serving:
            return _problem(request, Problem(503, "Passerelle en cours d'arrêt" if state.draining
                                             else "Passerelle en cours de démarrage", "UNAVAILABLE",
                                             reason="GATEWAY_DRAINING" if state.draining else "GATEWAY_STARTING"))
        return _json(request, 200, b'{"status":"ready"}')

    async def upstreamz(request: Request) -> Response:
        statuses = await upstreams.readiness()
        not_serving = sorted(name for name, status in statuses.items() if status != "SERVING")
        if not_serving:
            return _problem(request, Problem(503, "Services non prêts : " + ", ".join(not_serving),
                                             "UNAVAILABLE", reason="UPSTREAM_NOT_SERVING",
                                             extra={"upstreams": statuses}))
        return _json(request, 200, json.dumps({"status": "ready", "upstreams": statuses}).encode())

    async def openapi_json(request: Request) -> Response:
        return _json(request, 200, spec)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if keys is not None:
            await keys.refresh()   # warm the JWKS; failures are logged and retried on demand
        state.started = True
        yield
        state.draining = True
        await upstreams.close()

    log.info("routes derived", extra={"routes": len(table), "upstreams": names})
    return GatewayApp(
        endpoint, state,
        routes=[Route(path, _get_only(handler), methods=_ANY) for path, handler in (
            ("/healthz", healthz), ("/readyz", readyz), ("/upstreamz", upstreamz), ("/openapi.json", openapi_json))],
        exception_handlers={Exception: _unexpected},
        lifespan=lifespan)


@dataclass
class State:
    """The gateway's own readiness: it serves once started, until it drains (SIGTERM)."""

    started: bool = False
    draining: bool = False

    @property
    def serving(self) -> bool:
        return self.started and not self.draining


class GatewayApp(Starlette):
    """Starlette for the hand-written routes and the lifespan; derived routes go straight to the
    endpoint, which answers every error itself (saves ~25 µs of middleware per request)."""

    def __init__(self, endpoint: Endpoint, state: State, **kwargs):
        super().__init__(**kwargs)
        self.endpoint, self.readiness = endpoint, state
        self._own_paths = frozenset(route.path for route in kwargs["routes"])

    def drain(self) -> None:
        """From SIGTERM on, /readyz answers 503 while in-flight requests finish."""
        self.readiness.draining = True

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] not in self._own_paths:
            await self.endpoint(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _get_only(handler):
    """Routes for every method, so that a wrong one gets a 405 problem (not the catch-all's 404)."""
    async def endpoint(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _problem(request, routing_problem(("GET", "HEAD")))
        return await handler(request)
    return endpoint


def _request_id(request: Request) -> str:
    return observe.request_id(request.headers.get("x-request-id"))


def _json(request: Request, status: int, body: bytes) -> Response:
    return Response(body, status, media_type="application/json",
                    headers={"x-request-id": _request_id(request), "cache-control": "no-store"})


def _problem(request: Request, problem: Problem) -> Response:
    request_id = _request_id(request)
    return Response(problem.encode(request_id), problem.status, media_type=CONTENT_TYPE,
                    headers={"x-request-id": request_id, "cache-control": "no-store", **problem.headers})


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error", exc_info=exc)
    return _problem(request, problems.internal())
