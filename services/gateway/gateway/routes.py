"""The route table, derived from the `google.api.http` options of the discovered services."""
from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor, ServiceDescriptor

from gateway import templates
from gateway.protos import upstream_name
from meskit.contract import is_public

log = logging.getLogger("gateway.routes")

_VERBS = ("get", "put", "post", "delete", "patch")
WEB_REQUEST = "mes.web.v1.WebRequest"    # a raw route's request: its path variables go to path_params


class BindingError(ValueError):
    pass


@dataclass(eq=False)
class Route:
    http_method: str                              # "GET", "POST", ...
    template: templates.PathTemplate
    method: MethodDescriptor
    upstream: str                                 # "identity": served at IDENTITY_ADDR
    body: str                                     # "", "*" or a top-level field name
    response_body: str                            # "" or a top-level field name of the response
    public: bool
    path_fields: tuple[tuple[FieldDescriptor, ...], ...]   # one chain per template variable
    request_class: Any = field(repr=False)        # for an upload, the metadata message (gateway/media.py)
    response_class: Any = field(repr=False)
    media: Any = None                             # a media.Upload, Download or Raw: bytes, not JSON

    @functools.cached_property
    def grpc_path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def server_streaming(self) -> bool:
        return self.method.server_streaming

    @functools.cached_property
    def watch(self) -> bool:
        """A server stream of JSON lines (not a download): open for long, idle mostly."""
        return self.method.server_streaming and self.media is None

    @property
    def name(self) -> str:
        """Low-cardinality label for metrics and logs: "GET /v1/accounts/{account_id}"."""
        return f"{self.http_method} {self.template.text}"

    @functools.cached_property
    def bound_paths(self) -> frozenset[str]:
        """Dotted proto field paths filled by the path (and by a body field)."""
        bound = {".".join(f.name for f in chain) for chain in self.path_fields}
        if self.body and self.body != "*":
            bound.add(self.body)
        return frozenset(bound)


def field_chain(message: Descriptor, dotted: str) -> tuple[FieldDescriptor, ...]:
    """The fields named by `a.b.c` (proto names), each but the last a singular message."""
    chain: list[FieldDescriptor] = []
    current: Descriptor | None = message
    for position, name in enumerate(dotted.split(".")):
        if current is None:
            raise BindingError(f"{dotted!r}: {chain[-1].name} is not a message")
        found = current.fields_by_name.get(name)
        if found is None:
            raise BindingError(f"{message.full_name} has no field {dotted!r}")
        if found.is_repeated and position < len(dotted.split(".")) - 1:
            raise BindingError(f"{dotted!r}: {name} is repeated")
        chain.append(found)
        current = found.message_type
    return tuple(chain)


def path_chains(request: Descriptor, template: templates.PathTemplate) -> tuple[tuple[FieldDescriptor, ...], ...]:
    """The field chain of each variable of `template`, each ending on a singular scalar."""
    chains = []
    for variable in template.variables:
        chain = field_chain(request, variable)
        leaf = chain[-1]
        if leaf.is_repeated or leaf.type == FieldDescriptor.TYPE_MESSAGE:
            raise BindingError(f"path variable {variable!r} must name a singular scalar field")
        chains.append(chain)
    return tuple(chains)


def http_rule(method: MethodDescriptor) -> http_pb2.HttpRule | None:
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return None
    return options.Extensions[annotations_pb2.http]


def bindings(rule: http_pb2.HttpRule) -> Iterable[http_pb2.HttpRule]:
    yield rule
    for extra in rule.additional_bindings:
        yield extra   # nested additional_bindings are not allowed by the spec


def verb_and_path(rule: http_pb2.HttpRule) -> tuple[str, str]:
    kind = rule.WhichOneof("pattern")
    if kind == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    if kind in _VERBS:
        return kind.upper(), getattr(rule, kind)
    raise BindingError("the HTTP rule has no pattern")


def routes_for(service: ServiceDescriptor) -> list[Route]:
    routes = []
    for method in service.methods:
        rule = http_rule(method)
        if rule is None:
            continue
        if method.client_streaming:
            log.info("client-streaming RPC not exposed", extra={"rpc": method.full_name})
            continue
        for binding in bindings(rule):
            try:
                routes.append(_route(service, method, binding))
            except (BindingError, templates.TemplateError) as exc:
                raise BindingError(f"{method.full_name}: {exc}") from None
    return routes


def _route(service: ServiceDescriptor, method: MethodDescriptor, rule: http_pb2.HttpRule) -> Route:
    http_method, path = verb_and_path(rule)
    template = templates.parse(path)
    request = method.input_type
    chains = () if request.full_name == WEB_REQUEST else path_chains(request, template)
    if rule.body not in ("", "*") and rule.body not in request.fields_by_name:
        raise BindingError(f"body field {rule.body!r} not in {request.full_name}")
    if rule.response_body and rule.response_body not in method.output_type.fields_by_name:
        raise BindingError(f"response_body {rule.response_body!r} not in {method.output_type.full_name}")
    return Route(http_method, template, method, upstream_name(service), rule.body, rule.response_body,
                 is_public(method), chains,
                 message_factory.GetMessageClass(request),
                 message_factory.GetMessageClass(method.output_type))


@dataclass
class Resolution:
    route: Route | None
    variables: dict[str, str]
    allowed: tuple[str, ...]        # methods that would match the path, when route is None


class Router:
    """Finds the route of (method, path); tells the allowed methods when only the path matches."""

    def __init__(self, routes: Iterable[Route]):
        self.routes = list(routes)
        by_template: dict[str, dict[str, Route]] = {}
        templates_by_text: dict[str, templates.PathTemplate] = {}
        for route in self.routes:
            methods = by_template.setdefault(route.template.text, {})
            if route.http_method in methods:
                other = methods[route.http_method].method.full_name
                raise BindingError(f"{route.name} is bound by both {other} and {route.method.full_name}")
            methods[route.http_method] = route
            templates_by_text[route.template.text] = route.template
        self._exact: dict[str, dict[str, Route]] = {}
        # (verb, segment count or None) -> [(template, routes by method)], most specific first
        self._patterns: dict[tuple[str, int | None], list] = {}
        for text, methods in by_template.items():
            template = templates_by_text[text]
            if template.is_literal:
                self._exact[text] = methods
            else:
                self._patterns.setdefault((template.verb, template.segment_count), []).append((template, methods))
        for candidates in self._patterns.values():
            candidates.sort(key=lambda pair: -pair[0].literal_count)

    def resolve(self, http_method: str, path: str) -> Resolution:
        allowed: list[str] = []
        exact = self._exact.get(path)
        if exact is not None:
            route = exact.get(http_method)
            if route is not None:
                return Resolution(route, {}, ())
            allowed.extend(exact)
        base, verb = templates.split_verb(path)
        attempts = [(base, verb)] + ([(path, "")] if verb else [])
        for candidate, candidate_verb in attempts:
            count = candidate.count("/")
            for key in ((candidate_verb, count), (candidate_verb, None)):
                for template, methods in self._patterns.get(key, ()):
                    variables = template.match(candidate)
                    if variables is None:
                        continue
                    route = methods.get(http_method)
                    if route is not None:
                        return Resolution(route, variables, ())
                    allowed.extend(m for m in methods if m not in allowed)
        return Resolution(None, {}, tuple(allowed))
