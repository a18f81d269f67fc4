"""Acceptance of the foundation, through the gateway of a running platform."""
from __future__ import annotations

import json

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import DEMO_PASSWORD, GP_MESSAGE, PHARMACY, operator_token, seed
from devtools.platform import SERVICES
from meskit.auth import Caller, TokenSigner, generate_private_key_pem


class TestPlatform:
    def test_every_process_is_serving(self, platform):
        assert {s: platform.health(s) for s in SERVICES} == {s: "SERVING" for s in SERVICES}
        assert platform.gateway_ready()


class TestDemoPatient:
    def test_activates_logs_in_with_the_mailed_code_and_reads_her_account(self, platform, patient_session):
        session, account = patient_session
        assert account["accountId"] == platform.demo["patient"]["account_id"]
        assert account["status"] == "ACCOUNT_STATUS_ACTIVE"
        assert account["givenName"] == "Jacqueline"
        assert session["tokenType"] == "Bearer"

    def test_refresh_rotates_and_reuse_is_refused(self, gateway, platform, patient_session):
        from demo_login import EMAIL, LOGIN_ID, PASSWORD, login
        first = login(gateway, platform.mail_dir, LOGIN_ID, PASSWORD, EMAIL)
        second = gateway.post("/v1/sessions:refresh", json={"refresh_token": first["refreshToken"]})
        assert second.status_code == 200
        reused = gateway.post("/v1/sessions:refresh", json={"refresh_token": first["refreshToken"]})
        assert reused.status_code == 401 and reused.json()["reason"] == "REFRESH_TOKEN_REUSED"


class TestDemoMessages:
    def test_her_gp_has_written_to_her_with_a_pdf(self, platform, gateway, patient_session):
        demo, session = platform.demo, patient_session[0]
        patient_id, headers = demo["patient"]["account_id"], {"Authorization": f"Bearer {session['accessToken']}"}
        conversation_id = demo["gp_conversation"]["conversation_id"]
        listed = gateway.get(f"/v1/patients/{patient_id}/conversations", headers=headers).json()["conversations"]
        [hers] = [c for c in listed if c["conversationId"] == conversation_id]
        assert hers["startedBy"] == demo["professionals"]["gp"]["professional_id"]
        assert hers["subject"] == GP_MESSAGE["subject"] == demo["gp_conversation"]["subject"]
        [message] = gateway.get(f"/v1/patients/{patient_id}/conversations/{conversation_id}/messages",
                                headers=headers).json()["messages"]
        assert message["body"] == GP_MESSAGE["body"]
        assert [(a["filename"], a["contentType"]) for a in message["attachments"]] == [
            (GP_MESSAGE["filename"], "application/pdf")]

    def test_seeding_again_changes_nothing_and_an_older_state_file_gets_the_new_keys(self, platform, tmp_path):
        again = seed(platform.address("identity"), platform.key_file, platform.var_dir / "demo.json",
                     platform.address("messaging"))
        assert again == platform.demo
        older = {k: v for k, v in platform.demo.items() if k not in ("gp_conversation", "pharmacy")}
        state = tmp_path / "demo.json"
        state.write_text(json.dumps(older))
        completed = seed(platform.address("identity"), platform.key_file, state, platform.address("messaging"))
        assert completed["gp_conversation"] == platform.demo["gp_conversation"]     # the same message, not a second
        assert json.loads(state.read_text()) == completed
        assert ("pharmacy" in completed) == ("pharmacy" in platform.demo)

    def test_her_pharmacy_is_an_organisational_mailbox_not_the_pharmacists(self, platform):
        pharmacist = platform.demo["professionals"]["pharmacist"]["mssante_address"]
        assert PHARMACY["mssante_address"] != pharmacist and pharmacist.startswith("claire.petit@")
        if "pharmacy" in platform.demo:          # seeded once the pharmacy RPCs are served
            assert platform.demo["pharmacy"]["mssante_address"] == PHARMACY["mssante_address"]


def _signed(platform, *, key: bytes | None = None, audience="mes-api", now=None, subject=None):
    signer = TokenSigner(key or platform.key_file.read_bytes(), issuer="mes-identity", audience=audience,
                         ttl_seconds=60)
    return signer.sign(Caller("patient", subject or platform.demo["patient"]["account_id"]), now=now)[0]


BAD_TOKENS = {
    "bad_signature": lambda p: _signed(p, key=generate_private_key_pem()),
    "expired": lambda p: _signed(p, now=1_000_000),
    "other_audience": lambda p: _signed(p, audience="another-api"),
}


class TestTokens:
    @pytest.mark.parametrize("kind", BAD_TOKENS)
    def test_refused_at_the_gateway_and_at_the_service(self, platform, gateway, kind):
        token = BAD_TOKENS[kind](platform)
        response = gateway.get("/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
        with grpc.insecure_channel(platform.address("identity")) as channel:
            with pytest.raises(grpc.RpcError) as error:
                identity_pb2_grpc.IdentityServiceStub(channel).GetAccount(
                    pb.GetAccountRequest(account_id="me"), metadata=[("authorization", f"Bearer {token}")])
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED

    def test_a_valid_token_reads_the_account(self, platform, gateway):
        response = gateway.get("/v1/accounts/me", headers={"Authorization": f"Bearer {_signed(platform)}"})
        assert response.status_code == 200

    def test_no_token(self, gateway):
        response = gateway.get("/v1/accounts/me")
        assert response.status_code == 401 and response.json()["code"] == "UNAUTHENTICATED"


class TestLockout:
    def _start(self, gateway, login_id, password):
        return gateway.post("/v1/sessions:start", json={"login_id": login_id, "password": password})

    def test_wrong_passwords_lock_and_the_right_one_is_refused_while_locked(self, gateway, new_professional):
        login_id = new_professional("lock.by.password")
        answers = [self._start(gateway, login_id, "Wrong-Password-1") for _ in range(5)]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
        assert "bloquée" in answers[-1].json()["detail"]
        locked = self._start(gateway, login_id, DEMO_PASSWORD)
        assert locked.status_code == 429 and locked.json()["reason"] == "ACCOUNT_LOCKED"

    def test_answers_do_not_reveal_whether_an_account_exists(self, gateway, new_professional):
        known = new_professional("lock.known.account")
        for _ in range(5):
            a = self._start(gateway, known, "Wrong-Password-1")
            b = self._start(gateway, "nobody.knows.me", "Wrong-Password-1")
            assert (a.status_code, a.json()["detail"], a.json().get("reason")) == \
                   (b.status_code, b.json()["detail"], b.json().get("reason"))

    def test_wrong_codes_lock(self, gateway, new_professional):
        login_id = new_professional("lock.by.code")
        started = self._start(gateway, login_id, DEMO_PASSWORD)
        assert started.status_code == 200
        challenge = started.json()["challengeId"]
        statuses = [gateway.post("/v1/sessions:complete", json={"challenge_id": challenge, "code": "000000"}).status_code
                    for _ in range(5)]
        assert statuses[-1] == 429
        assert self._start(gateway, login_id, DEMO_PASSWORD).status_code == 429


class TestBadInput:
    def _problem(self, response, status):
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status and body["request_id"] and body["detail"]
        assert response.headers["x-request-id"] == body["request_id"]
        return body

    def test_malformed_json(self, gateway):
        self._problem(gateway.post("/v1/activations", content=b'{"nir": ',
                                   headers={"content-type": "application/json"}), 400)

    def test_missing_fields_are_named(self, gateway):
        body = self._problem(gateway.post("/v1/activations", json={"nir": "123"}), 400)
        fields = {v["field"] for v in body["violations"]}
        assert {"provisional_code", "vitale_serial", "login_id", "password"} <= fields

    def test_field_of_the_wrong_type(self, gateway):
        body = self._problem(gateway.post("/v1/activations", json={"accept_terms": "yes please"}), 400)
        assert "accept" in body["detail"].lower() or "accept" in str(body.get("violations", "")).lower()

    def test_unknown_field(self, gateway):
        self._problem(gateway.post("/v1/sessions:start", json={"login_id": "a", "password": "b", "admin": True}), 400)

    def test_body_over_the_limit(self, gateway):
        self._problem(gateway.post("/v1/sessions:start", content=b'{"login_id": "' + b"a" * 2_000_000 + b'"}',
                                   headers={"content-type": "application/json"}), 413)

    def test_unknown_route(self, gateway):
        self._problem(gateway.get("/v1/nothing-here"), 404)

    def test_nothing_is_written_by_refused_activations(self, platform, gateway):
        """A refused activation leaves a not-yet-activated account untouched."""
        with grpc.insecure_channel(platform.address("identity")) as channel:
            stub = identity_pb2_grpc.IdentityServiceStub(channel)
            operator = [("authorization", f"Bearer {operator_token(platform.key_file)}")]
            created = stub.CreateAccount(pb.CreateAccountRequest(
                nir="1520699350012" + f"{97 - 1520699350012 % 97:02d}", vitale_serial="12345678",
                given_name="Louis", family_name="Durand", birth_date="1952-06-01", sex=pb.SEX_MALE),
                metadata=operator)
            for body in ({"provisional_code": created.provisional_code},
                         {"provisional_code": created.provisional_code, "nir": "x" * 15, "vitale_serial": "1",
                          "login_id": "louis.durand", "password": "Weak", "email": "l@example.fr",
                          "accept_terms": True}):
                assert gateway.post("/v1/activations", json=body).status_code == 400
            account = stub.GetAccount(pb.GetAccountRequest(account_id=created.account.account_id), metadata=operator)
        assert account.status == pb.ACCOUNT_STATUS_CREATED and not account.login_id
