"""Every RPC of every generated service, answered by one stand-in behind the kit's interceptor, and
requests with a given text planted in each of their string fields: for tests that must hold for
all RPCs and routes (a control character in any string is refused, never a 5xx)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor, ServiceDescriptor

from meskit.auth import TokenVerifier
from meskit.server import Registration, build_server

_STRING, _MESSAGE = FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE
MAP_KEY = "k"


def all_services() -> list[ServiceDescriptor]:
    from gateway import protos
    return protos.services_of(protos.import_generated())


class Reached:
    """The full names of the methods whose stand-in ran."""

    def __init__(self):
        self.methods: set[str] = set()
        self._lock = threading.Lock()

    def add(self, name: str) -> None:
        with self._lock:
            self.methods.add(name)


def _handler(method: MethodDescriptor, reached: Reached, replies: Mapping[str, object]) -> grpc.RpcMethodHandler:
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)

    def reply():
        reached.add(method.full_name)
        return replies.get(method.full_name) or response_class()

    def unary(request, context):
        return reply()

    def client_stream(requests, context):
        for _ in requests:
            pass
        return reply()

    def server_stream(request, context):
        yield reply()

    def both(requests, context):
        for _ in requests:
            pass
        yield reply()

    kinds = {(False, False): (grpc.unary_unary_rpc_method_handler, unary),
             (True, False): (grpc.stream_unary_rpc_method_handler, client_stream),
             (False, True): (grpc.unary_stream_rpc_method_handler, server_stream),
             (True, True): (grpc.stream_stream_rpc_method_handler, both)}
    make, behaviour = kinds[(method.client_streaming, method.server_streaming)]
    return make(behaviour, request_deserializer=request_class.FromString,
                response_serializer=response_class.SerializeToString)


@contextmanager
def every_rpc_server(verifier: TokenVerifier | None, replies: Mapping[str, object] | None = None
                     ) -> Iterator[tuple[str, Reached]]:
    """A kit server hosting every service with stand-ins that answer an empty reply (or the one in
    `replies`, by full method name); yields its address and what was reached."""
    reached, replies = Reached(), dict(replies or {})
    registrations = []
    for service in all_services():
        handler = grpc.method_handlers_generic_handler(
            service.full_name, {m.name: _handler(m, reached, replies) for m in service.methods})
        registrations.append(Registration(lambda servicer, server: server.add_generic_rpc_handlers((servicer,)),
                                          handler, service.full_name))
    kit = build_server(service="every-rpc", registrations=registrations, host="127.0.0.1", port=0, verifier=verifier)
    kit.server.start()
    kit.set_serving(True)
    try:
        yield f"127.0.0.1:{kit.port}", reached
    finally:
        kit.stop(0)


def planted(descriptor: Descriptor, text: str, depth: int = 4) -> Iterator[tuple[str, object]]:
    """(field path, message) for each string reachable in `descriptor` (repeated: the first item,
    maps: key "k"; recursive types down to `depth`), that string alone set to `text`."""
    cls = message_factory.GetMessageClass(descriptor)
    for path, fill in _leaves(descriptor, depth, (descriptor.full_name,)):
        message = cls()
        fill(message, text)
        yield path, message


Fill = Callable[[object, str], None]


def _leaves(descriptor: Descriptor, depth: int, chain: tuple[str, ...]) -> Iterator[tuple[str, Fill]]:
    for field in descriptor.fields:
        name = field.name
        if field.type == _STRING:
            if field.is_repeated:
                yield f"{name}[0]", lambda m, t, n=name: getattr(m, n).append(t)
            else:
                yield name, lambda m, t, n=name: setattr(m, n, t)
        elif field.type == _MESSAGE and depth > 0 and field.message_type.full_name not in chain:
            inner = field.message_type
            if inner.GetOptions().map_entry:
                yield from _map_leaves(field, depth, chain)
                continue
            for sub, fill in _leaves(inner, depth - 1, (*chain, inner.full_name)):
                if field.is_repeated:
                    yield f"{name}[0].{sub}", lambda m, t, n=name, f=fill: f(getattr(m, n).add(), t)
                else:
                    yield f"{name}.{sub}", lambda m, t, n=name, f=fill: f(getattr(m, n), t)


def _map_leaves(field: FieldDescriptor, depth: int, chain: tuple[str, ...]) -> Iterator[tuple[str, Fill]]:
    name, entry = field.name, field.message_type
    key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]
    if key.type == _STRING:
        yield name, lambda m, t, n=name: _add_key(getattr(m, n), t, value)
    if value.type == _STRING:
        yield f"{name}[{MAP_KEY}]", lambda m, t, n=name: getattr(m, n).__setitem__(MAP_KEY, t)
    elif value.type == _MESSAGE and depth > 0 and value.message_type.full_name not in chain:
        for sub, fill in _leaves(value.message_type, depth - 1, (*chain, value.message_type.full_name)):
            yield f"{name}[{MAP_KEY}].{sub}", lambda m, t, n=name, f=fill: f(getattr(m, n)[MAP_KEY], t)


def _add_key(mapping, key: str, value: FieldDescriptor) -> None:
    if value.type == _MESSAGE:
        mapping[key]   # noqa: B018  a message map creates the entry on access
    else:
        mapping[key] = value.default_value
