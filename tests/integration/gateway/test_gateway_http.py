"""The gateway over real HTTP in front of real gRPC servers."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from devtools.eventually import eventually
from meskit.auth import Caller, TokenSigner, generate_private_key_pem

ISSUER = "mes-identity"
HEARTBEAT = {"heartbeat": {}}


def watched(lines, stop_after: int | None = None) -> list[dict]:
    """The documents of a watch stream, without the heartbeat lines an idle stream sends (every
    15 s, so a slow run may see one between any two messages); reading stops after `stop_after`."""
    documents = []
    for line in lines:
        if line and (document := json.loads(line)) != HEARTBEAT:
            documents.append(document)
            if len(documents) == stop_after:
                break
    return documents


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code", "request_id"} <= set(body)
    assert body["status"] == status and body["detail"]
    assert response.headers["x-request-id"] == body["request_id"]
    if code:
        assert body["code"] == code
    return body


class TestRouting:
    def test_unknown_route(self, client):
        assert_problem(client.get("/v1/nothing-here"), 404, "NOT_FOUND")

    def test_known_path_with_the_wrong_method(self, client):
        response = client.delete("/v1/sessions:start")
        assert_problem(response, 405)
        assert response.headers["allow"] == "POST"

    def test_hand_written_routes_refuse_other_methods_too(self, client):
        response = client.post("/healthz")
        assert_problem(response, 405)
        assert "GET" in response.headers["allow"]

    def test_liveness(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200 and response.headers["x-request-id"]


class TestAuthentication:
    def test_valid_token_reads_the_account(self, client, auth):
        response = client.get("/v1/accounts/me", headers=auth)
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        account = response.json()
        assert account["accountId"] == "acc-1" and account["status"] == "ACCOUNT_STATUS_ACTIVE"
        assert account["createdAt"] == "2023-11-14T22:13:20Z"
        assert account["email"] == "" and account["isMinor"] is False   # defaults are emitted
        assert "activatedAt" not in account                            # unset messages are not

    def test_forwards_the_token_to_the_service(self, client, auth, calls):
        client.get("/v1/accounts/me", headers=auth)
        assert calls.metadata["GetAccount"]["authorization"] == auth["Authorization"]

    def test_missing_token(self, client):
        response = client.get("/v1/accounts/me")
        body = assert_problem(response, 401, "UNAUTHENTICATED")
        assert body["reason"] == "TOKEN_MISSING" and response.headers["www-authenticate"].startswith("Bearer")

    @pytest.mark.parametrize("kind, reason", [
        ("bad_signature", "TOKEN_INVALID"), ("unknown_key", "TOKEN_INVALID"), ("expired", "TOKEN_EXPIRED"),
        ("other_audience", "TOKEN_AUDIENCE"), ("garbage", "TOKEN_INVALID"), ("other_scheme", "TOKEN_MISSING")])
    def test_refuses_bad_tokens_before_calling_the_service(self, client, signing_pem, signer, token, calls,
                                                           kind, reason):
        def signed(key: bytes, audience: str = "mes-api") -> str:
            return TokenSigner(key, issuer=ISSUER, audience=audience, ttl_seconds=60).sign(Caller("patient", "a"))[0]
        header = {
            "bad_signature": lambda: f"Bearer {token[:-8]}AAAAAAAA",
            "unknown_key": lambda: "Bearer " + signed(generate_private_key_pem()),
            "expired": lambda: "Bearer " + signer.sign(Caller("patient", "acc-1"), now=time.time() - 3600)[0],
            "other_audience": lambda: "Bearer " + signed(signing_pem, "another-api"),
            "garbage": lambda: "Bearer not.a.jwt",
            "other_scheme": lambda: f"Basic {token}",
        }[kind]()
        before = calls.count.get("GetAccount", 0)
        response = client.get("/v1/accounts/me", headers={"Authorization": header})
        body = assert_problem(response, 401, "UNAUTHENTICATED")
        assert body["reason"] == reason and response.headers["www-authenticate"].startswith("Bearer")
        assert calls.count.get("GetAccount", 0) == before

    def test_identity_unreachable_is_unavailable_not_unauthorized(self, gateway, token):
        from devtools.ports import closed_port
        with gateway({"IDENTITY_ADDR": f"127.0.0.1:{closed_port()}"}) as url:
            response = httpx.get(url + "/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
        assert assert_problem(response, 503, "UNAVAILABLE")["reason"] == "JWKS_UNAVAILABLE"

    def test_public_routes_need_no_token(self, client):
        response = client.post("/v1/sessions:start", json={"loginId": "jacqueline.martin", "password": "x"})
        assert response.status_code == 200 and response.json()["challengeId"] == "challenge-1"


class TestTranscoding:
    def test_path_and_body_fill_the_request(self, client, auth):
        response = client.patch("/v1/accounts/acc-9/contact", headers=auth,
                                json={"email": "j@example.fr", "phone": "0600000000", "accountId": "other"})
        assert response.status_code == 200
        assert response.json()["accountId"] == "acc-9" and response.json()["email"] == "j@example.fr"

    def test_accepts_original_field_names_too(self, client):
        response = client.post("/v1/sessions:start", json={"login_id": "jacqueline.martin", "password": "x"})
        assert response.status_code == 200

    def test_query_parameters(self, client, auth):
        response = client.get("/v1/professionals", params={"query": "Dupont", "pageSize": 2, "profession_code": "10"},
                              headers=auth)
        found = response.json()["professionals"]
        assert [p["familyName"] for p in found] == ["Dupont", "Dupont"] and found[0]["professionCode"] == "10"

    def test_rejects_bad_query_parameters(self, client, auth):
        body = assert_problem(client.get("/v1/professionals?pageSize=many&colour=red", headers=auth), 400)
        assert {v["field"] for v in body["violations"]} == {"pageSize", "colour"}

    def test_rejects_malformed_json(self, client):
        body = assert_problem(client.post("/v1/sessions:start", content=b'{"loginId": ',
                                          headers={"content-type": "application/json"}), 400)
        assert body["reason"] == "MALFORMED_JSON" and "colonne" in body["detail"]

    def test_rejects_field_of_wrong_type(self, client):
        body = assert_problem(client.post("/v1/sessions:start", json={"loginId": 42, "password": "x"}), 400)
        assert body["violations"] == [{"field": "loginId", "description": "doit être une chaîne de caractères"}]

    def test_rejects_nested_field_of_wrong_type(self, client, auth):
        body = assert_problem(client.patch("/v1/patients/p1/access-settings/emergency", headers=auth,
                                           json={"emergency": {"samuAccess": "yes"}}), 400)
        assert body["violations"][0]["field"] == "emergency.samuAccess"

    def test_rejects_unknown_field(self, client):
        body = assert_problem(client.post("/v1/sessions:start", json={"loginId": "a", "admin": True}), 400)
        assert body["violations"] == [{"field": "admin", "description": "champ inconnu"}]

    def test_rejects_a_body_that_is_not_json(self, client):
        body = assert_problem(client.post("/v1/sessions:start", data={"loginId": "a"}), 415)
        assert body["reason"] == "UNSUPPORTED_MEDIA_TYPE"

    def test_an_empty_body_is_an_empty_message(self, client):
        response = client.post("/v1/sessions:start")
        assert_problem(response, 400, "INVALID_ARGUMENT")   # the service's own check on login_id
        assert response.json()["violations"][0]["field"] == "login_id"

    def test_refuses_a_declared_length_over_the_limit(self, client):
        body = assert_problem(client.post("/v1/sessions:start", content=b"{" + b" " * 5000 + b"}",
                                          headers={"content-type": "application/json"}), 413)
        assert body["reason"] == "BODY_TOO_LARGE"

    def test_counts_streamed_bytes_without_a_length(self, client):
        def chunks():
            yield b'{"loginId": "'
            for _ in range(10):
                yield b"a" * 1000
            yield b'"}'
        response = client.post("/v1/sessions:start", content=chunks(), headers={"content-type": "application/json"})
        assert "content-length" not in response.request.headers
        assert_problem(response, 413)


class TestErrors:
    def test_service_violations_reach_the_client(self, client):
        body = assert_problem(client.post("/v1/sessions:start", json={"loginId": "short", "password": "x"}), 400,
                              "INVALID_ARGUMENT")
        assert body["reason"] == "LOGIN_INVALID"
        assert body["violations"] == [{"field": "login_id", "description": "8 caractères au moins"}]

    def test_not_found_from_the_service(self, client, auth):
        assert assert_problem(client.get("/v1/accounts/missing", headers=auth), 404)["detail"] == "Compte introuvable"

    def test_internal_errors_say_nothing_inside(self, client, auth):
        response = client.get("/v1/accounts/crash", headers=auth)
        assert_problem(response, 500, "INTERNAL")
        assert "hunter2" not in response.text and "password" not in response.text

    def test_upstream_down(self, client, auth, unconfigured_path):
        method, path = unconfigured_path("documents")   # DOCUMENTS_ADDR names a port nobody listens on
        body = assert_problem(client.request(method, path, headers=auth), 503, "UNAVAILABLE")
        assert "reason" not in body

    def test_upstream_not_configured(self, client, auth, unconfigured_path):
        method, path = unconfigured_path("agenda")
        body = assert_problem(client.request(method, path, headers=auth), 503, "UNAVAILABLE")
        assert body["reason"] == "UPSTREAM_NOT_CONFIGURED"


class TestRequestMetadata:
    def test_keeps_a_sane_request_id_and_sends_it_to_the_service(self, client, auth, calls):
        response = client.get("/v1/accounts/me", headers={**auth, "X-Request-Id": "abc-123.x_y"})
        assert response.headers["x-request-id"] == "abc-123.x_y"
        assert calls.metadata["GetAccount"]["x-request-id"] == "abc-123.x_y"

    @pytest.mark.parametrize("offered", ["has space", "x" * 129, "semi;colon", ""])
    def test_replaces_an_insane_request_id(self, client, offered):
        response = client.get("/v1/nothing", headers={"X-Request-Id": offered})
        assert response.headers["x-request-id"] != offered and len(response.headers["x-request-id"]) == 32

    def test_forwards_the_client_address(self, client, auth, calls):
        client.get("/v1/accounts/me", headers=auth)
        assert calls.metadata["GetAccount"]["x-forwarded-for"] == "127.0.0.1"

    def test_continues_the_client_trace(self, client, auth, calls):
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        client.get("/v1/accounts/me", headers={**auth, "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        assert calls.metadata["GetAccount"]["traceparent"].split("-")[1] == trace_id


class TestStreaming:
    def test_streams_newline_delimited_json(self, client, auth):
        response = client.get("/v1/notifications:watch", params={"profileId": "p1"}, headers=auth)
        assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
        assert [d["result"]["notificationId"] for d in watched(response.text.split("\n"))] == ["n0", "n1", "n2"]

    def test_failure_before_the_first_message_is_the_only_line(self, client, auth):
        response = client.get("/v1/notifications:watch?profileId=nobody", headers=auth)
        assert response.status_code == 200
        (line,) = watched(response.text.split("\n"))
        assert line["error"]["status"] == 404 and line["error"]["code"] == "NOT_FOUND"

    def test_an_idle_watch_gets_its_headers_at_once(self, client, auth):
        with client.stream("GET", "/v1/notifications:watch?profileId=idle", headers=auth, timeout=5) as response:
            assert response.status_code == 200                # long before the first heartbeat (15 s)
            assert response.headers["content-type"] == "application/x-ndjson"
            assert response.headers["x-accel-buffering"] == "no"

    def test_an_idle_watch_sends_heartbeat_lines_between_its_messages(self, gateway, upstream, auth):
        with gateway({"IDENTITY_ADDR": upstream, "NOTIFICATIONS_ADDR": upstream,
                      "STREAM_HEARTBEAT_SECONDS": "0.05"}) as url, httpx.Client(base_url=url, timeout=10) as http:
            with http.stream("GET", "/v1/notifications:watch?profileId=lively", headers=auth) as response:
                documents = []
                for line in response.iter_lines():
                    documents.append(json.loads(line))
                    if sum("result" in d for d in documents) == 3 and "heartbeat" in documents[-1]:
                        break   # the three items, then an idle stream
        assert [d["result"]["notificationId"] for d in documents if "result" in d] == ["n0", "n1", "n2"]
        assert all(d == {"heartbeat": {}} for d in documents if "result" not in d)

    def test_failure_midway_ends_with_an_error_line(self, client, auth):
        response = client.get("/v1/notifications:watch?profileId=breaks", headers=auth)
        lines = watched(response.text.split("\n"))
        assert len(lines) == 4 and lines[-1]["error"]["code"] == "NOT_FOUND"
        assert lines[-1]["error"]["request_id"] == response.headers["x-request-id"]


    def test_a_client_that_leaves_cancels_the_call(self, gateway_url, auth, calls):
        with httpx.Client(base_url=gateway_url, timeout=10) as http:
            with http.stream("GET", "/v1/notifications:watch?profileId=forever", headers=auth) as response:
                (first, *_) = watched(response.iter_lines(), stop_after=1)
                assert first["result"]["notificationId"] == "n0"
        eventually(lambda: calls.count.get("WatchNotifications:ended"), what="the upstream call cancelled")
        assert calls.count.get("WatchNotifications:ended") == 1


class TestReadiness:
    def test_ready_while_one_upstream_is_down_whose_routes_alone_answer_503(self, client, auth, unconfigured_path):
        assert client.get("/readyz").json() == {"status": "ready"}
        method, path = unconfigured_path("documents")   # DOCUMENTS_ADDR names a port nobody listens on
        assert_problem(client.request(method, path, headers=auth), 503, "UNAVAILABLE")
        assert client.get("/v1/accounts/me", headers=auth).status_code == 200

    def test_upstreamz_lists_the_upstreams_that_do_not_serve(self, client):
        body = assert_problem(client.get("/upstreamz"), 503, "UNAVAILABLE")
        assert body["reason"] == "UPSTREAM_NOT_SERVING"
        assert body["upstreams"] == {"documents": "UNREACHABLE", "identity": "SERVING", "notifications": "SERVING"}

    def test_upstreamz_ok_when_every_configured_upstream_serves(self, gateway, upstream):
        with gateway({"IDENTITY_ADDR": upstream, "NOTIFICATIONS_ADDR": upstream}) as url:
            response = httpx.get(url + "/upstreamz")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "upstreams": {"identity": "SERVING", "notifications": "SERVING"}}

    def test_not_ready_before_start_nor_once_draining(self):
        from gateway.app import build_app
        from gateway.config import load_settings

        async def readiness() -> list:
            app = build_app(load_settings({}))
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http:
                answers = [await http.get("/readyz")]
                async with app.router.lifespan_context(app):
                    answers.append(await http.get("/readyz"))
                    app.drain()   # as on SIGTERM
                    answers.append(await http.get("/readyz"))
            return answers

        starting, ready, draining = asyncio.run(readiness())
        assert assert_problem(starting, 503, "UNAVAILABLE")["reason"] == "GATEWAY_STARTING"
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
        assert assert_problem(draining, 503, "UNAVAILABLE")["reason"] == "GATEWAY_DRAINING"


class TestRateLimit:
    def test_limits_public_routes_per_client(self, gateway, upstream, token):
        with gateway({"IDENTITY_ADDR": upstream, "RATE_LIMIT_PUBLIC_PER_MINUTE": "2"}) as url:
            with httpx.Client(base_url=url) as http:
                answers = [http.post("/v1/sessions:start", json={"loginId": "jacqueline.martin"}) for _ in range(3)]
                protected = [http.get("/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
                             for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        body = assert_problem(answers[-1], 429, "RESOURCE_EXHAUSTED")
        assert body["reason"] == "RATE_LIMITED" and int(answers[-1].headers["retry-after"]) >= 1
        assert [p.status_code for p in protected] == [200, 200, 200]


class TestOpenApi:
    def test_documents_every_binding(self, client):
        from gateway import media, protos
        spec = client.get("/openapi.json").json()
        assert spec["openapi"] == "3.1.0"
        table = [r for s in protos.services_of(protos.import_generated()) for r in media.routes_for(s)]
        operations = {(method, path) for path, item in spec["paths"].items() for method in item}
        assert len(operations) == len(table)
        for route in table:
            operation = next(item[route.http_method.lower()] for item in spec["paths"].values()
                             if item.get(route.http_method.lower(), {}).get("x-grpc-method") == route.method.full_name)
            assert ("security" in operation) == (not route.public)

    def test_passes_a_validator_when_one_is_installed(self, client):
        validator = pytest.importorskip("openapi_spec_validator")
        validator.validate(client.get("/openapi.json").json())

    def test_login_is_public_and_account_is_protected(self, client):
        paths = client.get("/openapi.json").json()["paths"]
        assert "security" not in paths["/v1/sessions:start"]["post"]
        assert paths["/v1/accounts/{accountId}"]["get"]["security"] == [{"bearer": []}]
