"""The gRPC services behind the gateway, called with grpc.aio (fastest here, see README).

Channels are created on first use, inside the event loop that serves the app.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from meskit.clients import outbound_metadata
from meskit.server import MAX_MESSAGE_BYTES

# A service that comes back is used again within a second: gRPC's default reconnect backoff grows
# to 2 minutes, during which its routes would still answer 503 (readiness no longer hides it).
_CHANNEL_OPTIONS = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.lb_policy_name", "round_robin"),
                    ("grpc.initial_reconnect_backoff_ms", 100),
                    ("grpc.max_reconnect_backoff_ms", 1000)]


class Upstream:
    def __init__(self, name: str, address: str, channel: grpc.aio.Channel | None = None, health_name: str = ""):
        self.name, self.address = name, address
        self.health_name = health_name      # the full name of its gRPC service, from the descriptors
        self._channel = channel
        self._callables: dict[str, object] = {}

    @property
    def channel(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.address, options=_CHANNEL_OPTIONS)
        return self._channel

    def callable(self, route):
        """The multi-callable of `route`'s RPC on this upstream (cached)."""
        found = self._callables.get(route.grpc_path)
        if found is None:
            if route.method.client_streaming:   # an upload: its route's request_class is the metadata
                make, serialize = self.channel.stream_unary, route.media.message_class.SerializeToString
            else:
                make = self.channel.unary_stream if route.server_streaming else self.channel.unary_unary
                serialize = route.request_class.SerializeToString
            found = make(route.grpc_path, request_serializer=serialize,
                         response_deserializer=route.response_class.FromString)
            self._callables[route.grpc_path] = found
        return found

    async def serving(self, timeout: float) -> str:
        """Readiness of the service, as reported under its gRPC service name
        ("SERVING", "NOT_SERVING", "UNREACHABLE")."""
        stub = health_pb2_grpc.HealthStub(self.channel)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=self.health_name),  # type: ignore[attr-defined]
                                     timeout=timeout, metadata=outbound_metadata())
        except grpc.RpcError as exc:
            return "UNREACHABLE" if exc.code() in (grpc.StatusCode.UNAVAILABLE,
                                                   grpc.StatusCode.DEADLINE_EXCEEDED) else exc.code().name
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
            self._callables.clear()


class Upstreams:
    def __init__(self, addresses: Mapping[str, str], channels: Mapping[str, grpc.aio.Channel] | None = None,
                 health_names: Mapping[str, str] | None = None):
        channels, health_names = dict(channels or {}), dict(health_names or {})
        names = set(addresses) | set(channels)
        self._by_name = {name: Upstream(name, addresses.get(name, ""), channels.get(name), health_names.get(name, ""))
                         for name in sorted(names) if addresses.get(name) or name in channels}

    def get(self, name: str) -> Upstream | None:
        return self._by_name.get(name)

    def __iter__(self):
        return iter(self._by_name.values())

    async def readiness(self, timeout: float = 1.0) -> dict[str, str]:
        upstreams = list(self._by_name.values())
        statuses = await asyncio.gather(*(u.serving(timeout) for u in upstreams))
        return dict(zip((u.name for u in upstreams), statuses))

    async def close(self) -> None:
        for upstream in self._by_name.values():
            await upstream.close()


def jwks_fetcher(identity: Upstream):
    """The async JWKS source: identity's public GetJwks RPC (the channel is made on first use)."""
    from mes.identity.v1 import identity_pb2, identity_pb2_grpc

    async def fetch() -> dict:
        stub = identity_pb2_grpc.IdentityServiceStub(identity.channel)
        reply = await stub.GetJwks(identity_pb2.GetJwksRequest(), timeout=3, metadata=outbound_metadata())
        return json.loads(reply.jwks_json)
    return fetch
