"""Outbound gRPC: every call carries a deadline, the request id, the trace context and a token."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import grpc

from meskit.logs import request_id_var
from meskit.telemetry import inject_trace_context

DEFAULT_TIMEOUT_SECONDS = 5.0


def outbound_metadata(authorization: str | None = None) -> list[tuple[str, str]]:
    """Metadata for a call made while handling the current request."""
    carrier = inject_trace_context({})
    request_id = request_id_var.get()
    if request_id:
        carrier["x-request-id"] = request_id
    if authorization:
        carrier["authorization"] = authorization
    return list(carrier.items())


class _Outbound(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    def __init__(self, token_provider: Callable[[], str] | None, timeout: float):
        self._token_provider, self._timeout = token_provider, timeout

    def _details(self, details):
        metadata = list(details.metadata or [])
        present = {k for k, _ in metadata}
        token = self._token_provider() if self._token_provider and "authorization" not in present else None
        metadata += [(k, v) for k, v in outbound_metadata(f"Bearer {token}" if token else None)
                     if k not in present]
        return _CallDetails(details.method, details.timeout if details.timeout is not None else self._timeout,
                            metadata, details.credentials, details.wait_for_ready, details.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)


class _CallDetails(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready, compression):
        self.method, self.timeout, self.metadata = method, timeout, metadata
        self.credentials, self.wait_for_ready, self.compression = credentials, wait_for_ready, compression


def channel(address: str, *, token_provider: Callable[[], str] | None = None,
            timeout: float = DEFAULT_TIMEOUT_SECONDS) -> grpc.Channel:
    """A channel whose calls get a default deadline and the current request's metadata.

    `token_provider` returns the bearer token to send when the caller did not set one
    (a service token for service-to-service calls).
    """
    raw = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 8 * 1024 * 1024)])
    return grpc.intercept_channel(raw, _Outbound(token_provider, timeout))


def jwks_from_identity(identity_channel: grpc.Channel) -> Callable[[], dict]:
    """A JWKS fetcher for TokenVerifier that asks identity's public GetJwks RPC."""
    from mes.identity.v1 import identity_pb2, identity_pb2_grpc
    stub = identity_pb2_grpc.IdentityServiceStub(identity_channel)

    def fetch() -> dict:
        return json.loads(stub.GetJwks(identity_pb2.GetJwksRequest(), timeout=3).jwks_json)
    return fetch


def jwks_from_file(path: str) -> Callable[[], dict]:
    def fetch() -> dict:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    return fetch


def service_token_provider(identity_channel: grpc.Channel, service_name: str, client_secret: str,
                           *, refresh_margin: float = 60.0) -> Callable[[], str]:
    """Bearer tokens for this service's own calls, obtained from identity with the client
    secret and reused until `refresh_margin` seconds before they expire."""
    import threading
    import time

    from mes.identity.v1 import identity_pb2, identity_pb2_grpc
    stub = identity_pb2_grpc.IdentityServiceStub(identity_channel)
    lock = threading.Lock()
    cached: dict[str, Any] = {"token": "", "expires": 0.0}

    def provide() -> str:
        with lock:
            if cached["expires"] - time.time() < refresh_margin:
                reply = stub.IssueServiceToken(identity_pb2.IssueServiceTokenRequest(
                    service_name=service_name, client_secret=client_secret), timeout=3)
                cached["token"], cached["expires"] = reply.access_token, reply.expires_at.ToSeconds()
            return cached["token"]
    return provide
