"""OpenAPI 3.1 document derived from the same routes and message descriptors as the gateway."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from mes.options.v1 import options_pb2

from gateway import media, problems
from gateway.routes import Route
from gateway.transcode import QUERY_LEAF_MESSAGES, WRAPPERS

F = FieldDescriptor
_REF = "#/components/schemas/"
PROBLEM = "Problem"

_SCALARS: dict[int, dict[str, Any]] = {
    F.TYPE_STRING: {"type": "string"},
    F.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    F.TYPE_BOOL: {"type": "boolean"},
    F.TYPE_INT32: {"type": "integer", "format": "int32"},
    F.TYPE_SINT32: {"type": "integer", "format": "int32"},
    F.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    F.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    F.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    # proto3 JSON writes 64-bit integers as strings (it reads numbers too)
    F.TYPE_INT64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    F.TYPE_SINT64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    F.TYPE_SFIXED64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    F.TYPE_UINT64: {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    F.TYPE_FIXED64: {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    F.TYPE_FLOAT: {"type": "number", "format": "float"},
    F.TYPE_DOUBLE: {"type": "number", "format": "double"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
}
_QUERY_DEPTH = 3
_OPENAPI_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details, the shape of every error",
    "required": ["type", "title", "status", "detail", "code", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "gRPC status code name, e.g. INVALID_ARGUMENT"},
        "reason": {"type": "string", "description": "machine-readable cause, e.g. TOKEN_EXPIRED"},
        "violations": {"type": "array", "items": {
            "type": "object", "required": ["field", "description"],
            "properties": {"field": {"type": "string"}, "description": {"type": "string"}}}},
        "request_id": {"type": "string"},
    },
}


class _Schemas:
    """Component schemas, added as messages and enums are referenced."""

    def __init__(self):
        self.components: dict[str, dict] = {PROBLEM: PROBLEM_SCHEMA}

    def message(self, descriptor: Descriptor) -> dict:
        name = descriptor.full_name
        if name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[name])
        if name in WRAPPERS:
            inner = self.field(descriptor.fields_by_name["value"])
            return {**inner, "type": [inner["type"], "null"]}
        if name not in self.components:
            self.components[name] = {}   # placeholder first: messages may be recursive
            self.components[name] = self.object(descriptor.fields)
        return {"$ref": _REF + name}

    def object(self, fields: Iterable[FieldDescriptor]) -> dict:
        return {"type": "object", "properties": {f.json_name: self.field(f) for f in fields}}

    def enum(self, descriptor: EnumDescriptor) -> dict:
        if descriptor.full_name not in self.components:
            self.components[descriptor.full_name] = {"type": "string",
                                                     "enum": [v.name for v in descriptor.values]}
        return {"$ref": _REF + descriptor.full_name}

    def single(self, field: FieldDescriptor) -> dict:
        if field.type == F.TYPE_MESSAGE:
            return self.message(cast(Descriptor, field.message_type))
        if field.type == F.TYPE_ENUM:
            return self.enum(cast(EnumDescriptor, field.enum_type))
        return dict(_SCALARS[field.type])

    def field(self, field: FieldDescriptor) -> dict:
        if field.type == F.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            return {"type": "object",
                    "additionalProperties": self.single(field.message_type.fields_by_name["value"])}
        if field.is_repeated:
            return {"type": "array", "items": self.single(field)}
        return self.single(field)


def document(routes: Iterable[Route], *, title: str = "Mon espace santé API", version: str = "v1") -> dict:
    schemas = _Schemas()
    paths: dict[str, dict] = {}
    operation_ids: set[str] = set()
    tags = []
    for route in routes:
        if route.http_method.lower() not in _OPENAPI_METHODS:
            continue   # a custom HttpRule kind (e.g. PURGE) has no place in a path item
        service = route.method.containing_service
        if service.name not in tags:
            tags.append(service.name)
        if isinstance(route.media, media.Raw):
            path = route.template.openapi_path()
            paths.setdefault(path, {})[route.http_method.lower()] = _raw(route, operation_ids)
            continue
        path = route.template.openapi_path(lambda variable, r=route: _parameter_name(r, variable))
        operation = {
            "operationId": _unique(f"{service.name}_{route.method.name}", operation_ids),
            "tags": [service.name],
            "x-grpc-method": route.method.full_name,
            "parameters": _path_parameters(route, schemas) + _query_parameters(route, schemas),
            "responses": {"200": _success(route, schemas),
                          **_retry_responses(problems.CONTENT_TYPE, {"$ref": _REF + PROBLEM}), "default": {
                "description": "An error, as problem details",
                "content": {"application/problem+json": {"schema": {"$ref": _REF + PROBLEM}}}}},
        }
        if isinstance(route.media, media.Upload):
            operation["requestBody"] = _upload_body(route, schemas)
        elif route.body:
            operation["requestBody"] = {"required": False, "content": {
                "application/json": {"schema": _request_body(route, schemas)}}}
        if not route.public:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[route.http_method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Derived from the google.api.http bindings of the MES protos. JSON "
                                "uses proto3 names (lowerCamelCase), 64-bit integers as strings, "
                                "enums as names; every error is application/problem+json."},
        "tags": [{"name": name} for name in tags],
        "paths": paths,
        "components": {"schemas": schemas.components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "bearerFormat": "JWT"}}},
    }


# What a raw route takes and answers, by its error format: the standard sets the rest.
_OAUTH_ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "error_description": {"type": "string"}}}
_RAW: dict[int, tuple[str, str, str, dict[str, dict]]] = {
    options_pb2.Media.ERROR_FORMAT_OAUTH: (
        "OAuth 2.0 (RFC 6749, 7009, 7662, 8414): form-encoded parameters, HTML pages and redirects",
        "application/x-www-form-urlencoded",
        # the authorization endpoint shows the person an HTML page when it cannot redirect (§4.1.2.1)
        "An error: an RFC 6749 §5.2 document, or a page for the person",
        {"application/json": {"schema": _OAUTH_ERROR}, "text/html": {"schema": {"type": "string"}}}),
    options_pb2.Media.ERROR_FORMAT_FHIR: (
        "FHIR R4 (application/fhir+json); errors are OperationOutcome resources",
        "application/fhir+json", "An error, as an OperationOutcome",
        {"application/fhir+json": {"schema": {"type": "object", "required": ["resourceType", "issue"], "properties": {
            "resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array", "items": {"type": "object"}}}}}}),
}


def _raw(route: Route, operation_ids: set[str]) -> dict:
    """A raw route, whose wire format another standard sets (gateway/raw.py)."""
    service = route.method.containing_service
    what, takes, error, error_content = _RAW.get(route.media.errors, (
        "A raw HTTP exchange", "*/*", "An error, as problem details",
        {problems.CONTENT_TYPE: {"schema": {"$ref": _REF + PROBLEM}}}))
    retry_type, retry = next(iter(error_content.items()))    # overload answers: the standard's JSON error
    operation = {
        "operationId": _unique(f"{service.name}_{route.method.name}", operation_ids),
        "tags": [service.name], "x-grpc-method": route.method.full_name, "description": what,
        "parameters": [{"name": v, "in": "path", "required": True, "schema": {"type": "string"}}
                       for v in route.template.variables],
        "responses": {"200": {"description": "As the standard says", "content": {"*/*": {}}},
                      **_retry_responses(retry_type, retry["schema"]),
                      "default": {"description": error, "content": error_content}},
    }
    if route.body:
        operation["requestBody"] = {"required": False, "content": {takes: {"schema": {}}}}
    if not route.public:
        operation["security"] = [{"bearer": []}]
    return operation


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                                 "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def _retry_responses(content_type: str, schema: dict) -> dict:
    """The answers that tell the client to come back later (gateway README, "Overload")."""
    def response(description: str) -> dict:
        return {"description": description, "headers": _RETRY_AFTER, "content": {content_type: {"schema": schema}}}
    return {"429": response("Too many requests: the client's address on a public route, the token's subject "
                            "elsewhere (`RATE_LIMITED`), or a service's own limit"),
            "503": response("The gateway is shedding load (`OVERLOADED`) or the service is unavailable; "
                            "Retry-After is set except when the service is not configured")}


def _unique(name: str, seen: set[str]) -> str:
    candidate, n = name, 1
    while candidate in seen:
        n += 1
        candidate = f"{name}_{n}"
    seen.add(candidate)
    return candidate


def _parameter_name(route: Route, variable: str) -> str:
    chain = route.path_fields[route.template.variables.index(variable)]
    return ".".join(f.json_name for f in chain)


def _path_parameters(route: Route, schemas: _Schemas) -> list[dict]:
    return [{"name": ".".join(f.json_name for f in chain), "in": "path", "required": True,
             "schema": schemas.single(chain[-1])} for chain in route.path_fields]


def _query_parameters(route: Route, schemas: _Schemas) -> list[dict]:
    if route.body == "*":
        return []
    bound = route.bound_paths
    out: list[dict] = []

    def walk(descriptor: Descriptor, proto_prefix: str, json_prefix: str, depth: int, seen: tuple):
        for field in descriptor.fields:
            proto_path = proto_prefix + field.name
            if any(proto_path == b or proto_path.startswith(b + ".") for b in bound):
                continue
            json_path = json_prefix + field.json_name
            message = field.message_type
            if message is None or message.full_name in QUERY_LEAF_MESSAGES:
                out.append({"name": json_path, "in": "query", "required": False,
                            "schema": schemas.field(field)})
            elif not field.is_repeated and depth < _QUERY_DEPTH and message.full_name not in seen:
                walk(message, proto_path + ".", json_path + ".", depth + 1, seen + (message.full_name,))

    walk(route.method.input_type, "", "", 1, (route.method.input_type.full_name,))
    return out


def _request_body(route: Route, schemas: _Schemas) -> dict:
    request = route.request_class.DESCRIPTOR   # an upload's metadata message, else the method's input
    if route.body != "*":
        return schemas.field(request.fields_by_name[route.body])
    in_path = {chain[0].name for chain in route.path_fields if len(chain) == 1}
    if not in_path:
        return schemas.message(request)
    return schemas.object(f for f in request.fields if f.name not in in_path)


_BINARY = {"type": "string", "format": "binary"}


def _upload_body(route: Route, schemas: _Schemas) -> dict:
    fields = {media.METADATA_PART: {**_request_body(route, schemas),
                                    "description": "the metadata, as JSON; this part comes first"},
              media.FILE_PART: {**_BINARY, "description": "the file's bytes; its file name and Content-Type "
                                                          "fill the metadata's when left empty"}}
    return {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": list(fields), "properties": fields},
        "encoding": {media.METADATA_PART: {"contentType": "application/json"}}}}}


def _download(route: Route) -> dict:
    def header(description: str, schema: dict) -> dict:
        return {"description": description, "schema": schema}
    return {"description": "The bytes, with the stored content type",
            "headers": {
                "Content-Disposition": header("attachment; filename=...; filename*=UTF-8''...",
                                              {"type": "string"}),
                "Content-Length": header("when the size is known", {"type": "integer", "minimum": 0}),
                "X-Content-SHA256": header("lowercase hex SHA-256 of the bytes", {"type": "string",
                                                                                 "pattern": "^[0-9a-f]{64}$"})},
            "content": {"*/*": {"schema": _BINARY}}}


def _success(route: Route, schemas: _Schemas) -> dict:
    if isinstance(route.media, media.Download):
        return _download(route)
    response = route.method.output_type
    schema = (schemas.field(response.fields_by_name[route.response_body]) if route.response_body
              else schemas.message(response))
    if route.server_streaming:
        line = {"type": "object", "description": "one JSON object per line",
                "properties": {"result": schema, "error": {"$ref": _REF + PROBLEM}}}
        return {"description": "A stream of newline-delimited JSON objects",
                "content": {"application/x-ndjson": {"schema": line}}}
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}
