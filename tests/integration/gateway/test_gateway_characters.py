"""A control character in any path parameter, query parameter or JSON string of any route is a
400 problem naming it, answered by the gateway before any upstream call: never a 5xx."""
from __future__ import annotations

import json

import httpx
import pytest
from google.protobuf import json_format
from mes.identity.v1 import identity_pb2 as ipb

from devtools.every_rpc import all_services, every_rpc_server, planted
from meskit.auth import Caller, TokenVerifier
from meskit.characters import DESCRIPTION

from gateway import media
from gateway.transcode import QUERY_LEAF_MESSAGES

# A raw route's query and body reach its upstream as they came, to be parsed by the standard's
# rules there (tests/integration/gateway/test_gateway_raw_http.py).
TABLE = [route for service in all_services() for route in media.routes_for(service)
         if not isinstance(route.media, media.Raw)]
NUL = "avant\x00après"


@pytest.fixture(scope="module")
def gateway_over_every_rpc(signer, gateway):
    """The gateway with every upstream served by the kit's interceptor in front of stand-ins."""
    verifier = TokenVerifier(signer.jwks, issuer="mes-identity", audience="mes-api")
    jwks = ipb.GetJwksResponse(jwks_json=json.dumps(signer.jwks()))
    with every_rpc_server(verifier, {"mes.identity.v1.IdentityService.GetJwks": jwks}) as (address, reached):
        environ = {f"{name.upper()}_ADDR": address for name in {route.upstream for route in TABLE}}
        with gateway({**environ, "RATE_LIMIT_PUBLIC_PER_MINUTE": "0"}) as url, \
                httpx.Client(base_url=url, timeout=10) as http:
            http.headers["authorization"] = f"Bearer {signer.sign(Caller('patient', 'acc-1'))[0]}"
            yield http, reached


def concrete(route, values: dict[str, str]) -> str:
    path = route.template.openapi_path()
    for variable in route.template.variables:
        path = path.replace("{" + variable + "}", values.get(variable, "x"), 1)
    return path


def refused(response, reason: str) -> list[dict]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["reason"]) == ("INVALID_ARGUMENT", reason)
    return body["violations"]


def send(http, route, path: str, document: object | None = None):
    if isinstance(route.media, media.Upload):
        files = {media.METADATA_PART: (None, json.dumps(document or {}), "application/json"),
                 media.FILE_PART: ("bilan.pdf", b"%PDF-1.4", "application/pdf")}
        return http.request(route.http_method, path, files=files)
    if route.body:
        return http.request(route.http_method, path, json=document or {})
    return http.request(route.http_method, path)


def _label(route) -> str:
    return f"{route.name} ({route.method.name})"


PATH_CASES = [(route, variable) for route in TABLE for variable in route.template.variables]


@pytest.mark.parametrize("route,variable", PATH_CASES, ids=[f"{_label(r)} {v}" for r, v in PATH_CASES])
def test_a_control_character_in_a_path_parameter(gateway_over_every_rpc, route, variable):
    http, reached = gateway_over_every_rpc
    response = send(http, route, concrete(route, {variable: "a%00b"}))
    assert refused(response, "INVALID_PARAMETER") == [{"field": variable, "description": DESCRIPTION}]
    assert route.method.full_name not in reached.methods


def _query_field(route):
    """A string field of the request that a query parameter may fill, if any."""
    if route.body == "*":
        return None
    for field in route.request_class.DESCRIPTOR.fields:
        if field.name not in route.bound_paths and field.type == field.TYPE_STRING:
            return field
    return None


QUERY_CASES = [route for route in TABLE if _query_field(route) is not None]


@pytest.mark.parametrize("route", QUERY_CASES, ids=_label)
def test_a_control_character_in_a_query_parameter(gateway_over_every_rpc, route):
    http, reached = gateway_over_every_rpc
    name = _query_field(route).json_name
    response = send(http, route, concrete(route, {}) + f"?{name}=a%01b")
    assert refused(response, "INVALID_PARAMETER") == [{"field": name, "description": DESCRIPTION}]
    assert route.method.full_name not in reached.methods


def _body_cases():
    for route in TABLE:
        if not route.body:
            continue
        descriptor = route.request_class.DESCRIPTOR
        if route.body != "*":
            field = descriptor.fields_by_name[route.body]
            if field.message_type is None:
                yield route, route.body, NUL if field.type == field.TYPE_STRING else None
                continue
            descriptor = field.message_type
        for path, message in planted(descriptor, NUL):
            if route.body == "*" and path.split(".")[0].split("[")[0] in {p.split(".")[0] for p in route.bound_paths}:
                continue   # the path wins over the body there
            if any(f.message_type is not None and f.message_type.full_name in QUERY_LEAF_MESSAGES
                   and path.startswith(f.name + ".") for f in descriptor.fields):
                continue   # a wrapper is its value in JSON: reached through that path's own field
            yield route, path, json_format.MessageToDict(message)


BODY_CASES = [case for case in _body_cases() if case[2] is not None]


@pytest.mark.parametrize("route,path,document", BODY_CASES, ids=[f"{_label(r)} {p}" for r, p, _ in BODY_CASES])
def test_a_control_character_in_a_json_string_of_the_body(gateway_over_every_rpc, route, path, document):
    http, reached = gateway_over_every_rpc
    violations = refused(send(http, route, concrete(route, {}), document), "INVALID_FIELD")
    assert [v["description"] for v in violations] == [DESCRIPTION], path
    assert route.method.full_name not in reached.methods


def _has_text(descriptor) -> bool:
    """Whether a request has a string to carry a control character (numbers only: nothing to plant)."""
    return any(f.type == f.TYPE_STRING or f.message_type is not None for f in descriptor.fields)


def test_every_route_is_covered():
    covered = {id(r) for r, _ in PATH_CASES} | {id(r) for r in QUERY_CASES} | {id(r) for r, _, _ in BODY_CASES}
    assert [r.name for r in TABLE if id(r) not in covered and _has_text(r.request_class.DESCRIPTOR)] == []


@pytest.mark.parametrize("path", ["/v1/patients/%00/documents", "/v1/patients/p1/documents/%00"])
def test_the_reported_identifiers_are_400_not_503_nor_500(gateway_over_every_rpc, path):
    http, _ = gateway_over_every_rpc
    (violation,) = refused(http.get(path), "INVALID_PARAMETER")
    assert violation["description"] == DESCRIPTION


def test_clean_requests_still_reach_the_service(gateway_over_every_rpc):
    http, reached = gateway_over_every_rpc
    response = http.get("/v1/patients/p1/documents", params={"pageToken": "ligne\tsuivante"})
    assert response.status_code == 200, response.text
    assert "mes.documents.v1.DocumentsService.ListDocuments" in reached.methods
