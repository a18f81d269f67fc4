"""Raw routes through the gateway: the OAuth endpoints (served by identity's address, as the
catalogue's contract says) and the FHIR exchange get the HTTP request as it came and answer their
own HTTP response; the gateway's errors and the upstream's gRPC statuses come back in the route's
format (RFC 6749 §5.2, FHIR OperationOutcome)."""
from __future__ import annotations

import json

import httpx
import pytest
from mes.catalogue.v1 import catalogue_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.profile.v1 import profile_pb2_grpc
from mes.web.v1 import web_pb2

from meskit.auth import Caller, current_caller
from meskit.errors import FieldViolation, InvalidArgument, PermissionDenied, Unavailable
from meskit.server import Registration

FORM = "application/x-www-form-urlencoded"


def _echo(request: web_pb2.WebRequest, context, **extra) -> bytes:
    return json.dumps({
        "method": request.method, "path": request.path, "query": request.query,
        "pathParams": dict(request.path_params), "headers": [[h.name, h.value] for h in request.headers],
        "body": request.body.decode("latin-1"), "baseUrl": request.base_url,
        "metadataAuthorization": dict(context.invocation_metadata()).get("authorization", ""), **extra}).encode()


class Keys(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, signer):
        self.signer = signer

    def GetJwks(self, request, context):
        return ipb.GetJwksResponse(jwks_json=json.dumps(self.signer.jwks()))


class Catalogue(catalogue_pb2_grpc.CatalogueServiceServicer):
    def Token(self, request, context):
        if b"grant_type=fail" in request.body:
            raise Unavailable("Service d'authentification indisponible, réessayez")
        if b"grant_type=bogus_status" in request.body:
            return web_pb2.WebResponse(status=99)
        return web_pb2.WebResponse(status=200, body=_echo(request, context), headers=[
            web_pb2.Header(name="Content-Type", value="application/json;charset=UTF-8"),
            web_pb2.Header(name="Cache-Control", value="public, max-age=3600"),
            web_pb2.Header(name="Connection", value="close"), web_pb2.Header(name="Pragma", value="no-cache")])

    def Authorize(self, request, context):
        return web_pb2.WebResponse(status=302, headers=[
            web_pb2.Header(name="location", value="http://127.0.0.1:8765/callback?code=c1&state=s1"),
            web_pb2.Header(name="set-cookie", value="mes_oauth=a; HttpOnly; Path=/oauth"),
            web_pb2.Header(name="set-cookie", value="mes_csrf=b; HttpOnly; Path=/oauth"),
            web_pb2.Header(name="x-split", value="a\r\nx-injected: 1")])


class Profile(profile_pb2_grpc.ProfileServiceServicer):
    def SubmitObservations(self, request, context):
        if b"wrong-unit" in request.body:
            raise InvalidArgument("Observation invalide", reason="INVALID_OBSERVATION", violations=[
                FieldViolation("Bundle.entry[0].resource.valueQuantity.unit", "unité attendue : kg"),
                FieldViolation("Bundle.entry[2].resource.code", "code LOINC inconnu")])
        if b"not-consented" in request.body:
            raise PermissionDenied("Consent not given", reason="CONSENT_NOT_GIVEN")
        return web_pb2.WebResponse(status=200, body=_echo(request, context, caller=current_caller().subject),
                                   headers=[web_pb2.Header(name="content-type", value="application/fhir+json")])

    def SearchObservations(self, request, context):
        return web_pb2.WebResponse(status=200, body=_echo(request, context),
                                   headers=[web_pb2.Header(name="content-type", value="application/fhir+json")])


@pytest.fixture(scope="module")
def raw_gateway(upstream_of, gateway, signer):
    with upstream_of([Registration(identity_pb2_grpc.add_IdentityServiceServicer_to_server, Keys(signer),
                                   "mes.identity.v1.IdentityService"),
                      Registration(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server, Catalogue(),
                                   "mes.catalogue.v1.CatalogueService"),
                      Registration(profile_pb2_grpc.add_ProfileServiceServicer_to_server, Profile(),
                                   "mes.profile.v1.ProfileService")]) as address, \
            gateway({"IDENTITY_ADDR": address, "PROFILE_ADDR": address, "MAX_BODY_BYTES": "4096",
                     "RATE_LIMIT_PUBLIC_PER_MINUTE": "0"}) as url, \
            httpx.Client(base_url=url, timeout=10) as http:
        yield http


def test_an_oauth_form_reaches_identity_as_it_came_and_its_answer_comes_back(raw_gateway):
    reply = raw_gateway.post("/oauth/token?x=1", content=b"grant_type=authorization_code&code=c%C3%A9",
                             headers={"content-type": FORM, "authorization": "Basic YXBwOnNlY3JldA==",
                                      "cookie": "a=b", "x-forwarded-proto": "https", "x-forwarded-host": "mes.example",
                                      "x-other": "not passed"})
    assert reply.status_code == 200, reply.text
    seen = reply.json()
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/oauth/token", "x=1")
    assert seen["body"] == "grant_type=authorization_code&code=c%C3%A9"
    assert seen["baseUrl"] == "https://mes.example"
    headers = dict(seen["headers"])
    assert headers["content-type"] == FORM and headers["cookie"] == "a=b"
    assert headers["authorization"] == "Basic YXBwOnNlY3JldA==" and "x-other" not in headers
    assert reply.headers["content-type"] == "application/json;charset=UTF-8"
    assert reply.headers["cache-control"] == "no-store"          # never the upstream's: tokens are not cached
    assert reply.headers["pragma"] == "no-cache" and reply.headers["x-request-id"]
    assert "close" not in reply.headers.get("connection", "")


def test_a_redirect_with_its_cookies_and_no_header_injection(raw_gateway):
    reply = raw_gateway.get("/oauth/authorize", params={"client_id": "app", "state": "s1"})
    assert reply.status_code == 302
    assert reply.headers["location"] == "http://127.0.0.1:8765/callback?code=c1&state=s1"
    assert reply.headers.get_list("set-cookie") == ["mes_oauth=a; HttpOnly; Path=/oauth",
                                                    "mes_csrf=b; HttpOnly; Path=/oauth"]
    assert "x-injected" not in reply.headers and "x-split" not in reply.headers


def test_oauth_errors_are_rfc_6749_documents(raw_gateway):
    down = raw_gateway.post("/oauth/token", content=b"grant_type=fail", headers={"content-type": FORM})
    assert down.status_code == 503 and down.headers["content-type"] == "application/json"
    assert down.json() == {"error": "temporarily_unavailable",
                           "error_description": "Service d'authentification indisponible, reessayez"}
    broken = raw_gateway.post("/oauth/token", content=b"grant_type=bogus_status", headers={"content-type": FORM})
    assert broken.status_code == 500 and broken.json()["error"] == "server_error"
    big = raw_gateway.post("/oauth/token", content=b"x" * 5000, headers={"content-type": FORM})
    assert big.status_code == 413 and big.json()["error"] == "invalid_request"
    wrong = raw_gateway.delete("/oauth/token")
    assert wrong.status_code == 405 and wrong.json()["error"] == "invalid_request"


def test_fhir_needs_a_token_and_answers_an_operation_outcome(raw_gateway):
    reply = raw_gateway.post("/fhir/r4", json={"resourceType": "Bundle"})
    assert reply.status_code == 401 and reply.headers["content-type"] == "application/fhir+json"
    assert reply.headers["www-authenticate"].startswith("Bearer")
    (issue,) = reply.json()["issue"]
    assert reply.json()["resourceType"] == "OperationOutcome" and issue["code"] == "login"


def test_a_fhir_call_carries_the_verified_token_as_metadata_only(raw_gateway, signer):
    token = signer.sign(Caller("app", "app-1", on_behalf_of="pat-1", scopes=("MESURES",)))[0]
    auth = {"authorization": f"Bearer {token}", "content-type": "application/fhir+json"}
    posted = raw_gateway.post("/fhir/r4/Observation", content=b'{"resourceType":"Observation"}', headers=auth)
    assert posted.status_code == 200, posted.text
    seen = posted.json()
    assert seen["caller"] == "app-1" and seen["metadataAuthorization"] == f"Bearer {token}"
    assert "authorization" not in dict(seen["headers"]) and seen["path"] == "/fhir/r4/Observation"
    found = raw_gateway.get("/fhir/r4/Observation?code=29463-7&date=ge2026-01-01", headers=auth)
    assert found.status_code == 200 and found.json()["query"] == "code=29463-7&date=ge2026-01-01"

    invalid = raw_gateway.post("/fhir/r4", content=b'{"wrong-unit": 1}', headers=auth)
    assert invalid.status_code == 422
    assert invalid.json()["issue"] == [
        {"severity": "error", "code": "invalid", "diagnostics": "unité attendue : kg",
         "expression": ["Bundle.entry[0].resource.valueQuantity.unit"],
         "details": {"coding": [{"system": "urn:mes:reason", "code": "INVALID_OBSERVATION"}]}},
        {"severity": "error", "code": "invalid", "diagnostics": "code LOINC inconnu",
         "expression": ["Bundle.entry[2].resource.code"],
         "details": {"coding": [{"system": "urn:mes:reason", "code": "INVALID_OBSERVATION"}]}}]
    refused = raw_gateway.post("/fhir/r4", content=b'{"not-consented": 1}', headers=auth)
    assert refused.status_code == 403
    assert [(i["code"], i["diagnostics"]) for i in refused.json()["issue"]] == [("forbidden", "Consent not given")]
    big = raw_gateway.post("/fhir/r4", content=b"x" * 5000, headers=auth)
    assert big.status_code == 413 and big.json()["issue"][0]["code"] == "too-costly"


def test_the_openapi_document_describes_raw_routes_by_their_standard(raw_gateway):
    paths = raw_gateway.get("/openapi.json").json()["paths"]
    token = paths["/oauth/token"]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"] and "security" not in token
    search = paths["/fhir/r4/Observation"]["get"]
    assert search["parameters"] == [] and search["security"] == [{"bearer": []}]
    assert "application/fhir+json" in search["responses"]["default"]["content"]
