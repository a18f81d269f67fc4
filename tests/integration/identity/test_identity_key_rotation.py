"""Keys rotate under load as an operator rotates them (a new version of the Secret's files): the
token signing key, a service's client secret, the audit log's head key. A patient keeps reading
through the gateway (her account at identity, the log's head at audit, refreshing her session as
it expires) and a service keeps calling identity with service tokens; no request fails, nobody
is logged out, and once the old token key is retired its tokens are refused."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import grpc
import httpx
import jwt
import pytest
from mes.identity.v1 import identity_pb2 as pb

from devtools.eventually import eventually
from devtools.gateway_thread import running_gateway
from identity.domain.service_clients import secret_digest
from meskit.auth import PATIENT, Caller, TokenSigner, generate_private_key_pem
from meskit.clients import service_token_provider
from meskit.secret_files import WatchedFile
from tests.integration.identity.test_login_flow import activate, create_patient, login

LIFETIME = 4           # seconds an access or service token lives here
NEW_SECRET = "documents-client-secret-rotated-9876543210"


@pytest.fixture
def signing_key(tmp_path) -> Path:
    """This module's own token key file (it rotates it)."""
    path = tmp_path / "keys" / "signing-key.pem"
    path.parent.mkdir()
    path.write_bytes(generate_private_key_pem())
    return path


@pytest.fixture
def identity_env(tmp_path) -> dict[str, str]:
    return {"PREVIOUS_SIGNING_KEY_FILE": str(tmp_path / "keys" / "previous-signing-key.pem"),
            "ACCESS_TOKEN_TTL_SECONDS": str(LIFETIME), "SERVICE_TOKEN_TTL_SECONDS": str(LIFETIME),
            "SIGNING_KEY_ACTIVATION_SECONDS": "0.5", "SECRET_FILES_POLL_SECONDS": "0.1"}


def replace(path: Path, data: bytes) -> None:
    """As the kubelet updates a Secret volume: the new file appears whole, under the same name."""
    staged = path.with_name(path.name + ".new")
    staged.write_bytes(data)
    os.replace(staged, path)


def kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


class Load:
    """Readers running until stopped; every answer that is not a success is kept."""

    def __init__(self):
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.kids: dict[str, str] = {}             # worker -> key id of the last token it used successfully
        self.done: dict[str, int] = {}
        self._threads: list[threading.Thread] = []

    def run(self, name: str, step) -> None:
        def loop():
            while not self.stop.is_set():
                try:
                    self.kids[name] = step()
                    self.done[name] = self.done.get(name, 0) + 1
                except Exception as exc:  # noqa: BLE001 - a failed request is what this test looks for
                    self.failures.append(f"{name}: {exc!r}")
        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def progressed(self, since: dict[str, int], at_least: int = 3) -> bool:
        """Every worker did `at_least` more requests since `since` (a failure ends the wait)."""
        if self.failures:
            pytest.fail(f"failed requests: {self.failures[:5]}")
        return len(self.done) == len(self._threads) and all(
            self.done[name] >= since.get(name, 0) + at_least for name in self.done)

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(10)


class PatientSession:
    """A signed-in patient as her browser is: reads, and refreshes her session before it ends."""

    def __init__(self, client: httpx.Client, session):
        self.client, self.access, self.refresh = client, session.access_token, session.refresh_token
        self.expires = patient_expiry(self.access)
        self._lock = threading.Lock()          # her tabs share one session: one refresh at a time

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self.expires - time.time() < 1.5:
                self._refresh()
            return {"authorization": f"Bearer {self.access}"}

    def _refresh(self) -> None:
        answer = self.client.post("/v1/sessions:refresh", json={"refreshToken": self.refresh})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        self.access, self.refresh = body["accessToken"], body["refreshToken"]
        self.expires = patient_expiry(self.access)

    def read(self, path: str) -> str:
        headers = self.headers()
        answer = self.client.get(path, headers=headers)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return kid(headers["authorization"].split()[1])


def patient_expiry(token: str) -> float:
    return jwt.decode(token, options={"verify_signature": False})["exp"]


def accepted(identity, secret: str) -> bool:
    """Whether identity gives documents a service token for this secret (refused: UNAUTHENTICATED)."""
    try:
        identity.stub.IssueServiceToken(pb.IssueServiceTokenRequest(service_name="documents", client_secret=secret))
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error
        return False
    return True


def published_kids(identity) -> set[str]:
    return {k["kid"] for k in json.loads(identity.stub.GetJwks(pb.GetJwksRequest()).jwks_json)["keys"]}


def tree_head_key(client: httpx.Client, patient: PatientSession) -> str:
    answer = client.get("/v1/audit/tree-head", headers=patient.headers())
    assert answer.status_code == 200, answer.text
    return answer.json()["keyId"]


def test_every_key_rotates_under_load_without_a_failed_request(identity, signing_key, tmp_path, service_secrets):
    from audit.adapters.keys import Ed25519HeadSigner
    from audit.verify import verify_database
    keys = signing_key.parent
    old_key = signing_key.read_bytes()
    old_kid = TokenSigner(old_key, issuer="", audience="", ttl_seconds=1).kid
    created = create_patient(identity)
    activate(identity, created)
    secret_file = tmp_path / "documents-client-secret"
    secret_file.write_text(service_secrets["documents"])
    secret = WatchedFile(str(secret_file), lambda data: data.decode(), interval=0.1)
    service_tokens = service_token_provider(identity.channel, "documents", lambda: secret.value() or "")
    load = Load()
    with running_gateway({"IDENTITY_ADDR": identity.address, "AUDIT_ADDR": f"127.0.0.1:{identity.audit_service.port}",
                          # the load is one patient's token in a loop: no per-token limit to meet
                          "RATE_LIMIT_PUBLIC_PER_MINUTE": "0", "RATE_LIMIT_TOKEN_PER_MINUTE": "0"}) as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        patient = PatientSession(client, login(identity))
        first_token = patient.access

        def service_call() -> str:
            token = service_tokens()
            identity.stub.GetAccessContext(pb.GetAccessContextRequest(patient_id=created.account.account_id),
                                           metadata=[("authorization", f"Bearer {token}")])
            return kid(token)
        load.run("patient: own account (identity)", lambda: patient.read("/v1/accounts/me"))
        load.run("patient: log head (audit)", lambda: patient.read("/v1/audit/tree-head"))
        load.run("documents: access context (identity)", service_call)
        try:
            eventually(lambda: load.progressed({}), timeout=30, what="the load running")

            # 1. The token key: the old one becomes the previous, a new one the current.
            new_key = generate_private_key_pem()
            new_kid = TokenSigner(new_key, issuer="", audience="", ttl_seconds=1).kid
            jwks_file = tmp_path / "jwks.json"         # audit's copy of the published keys (a JWKS_FILE user)
            jwks_file.write_text(json.dumps({"keys": json.loads(jwks_file.read_text())["keys"] + TokenSigner(
                new_key, issuer="", audience="", ttl_seconds=1).jwks()["keys"]}))
            replace(keys / "previous-signing-key.pem", old_key)
            replace(signing_key, new_key)
            eventually(lambda: set(load.kids.values()) == {new_kid}, timeout=30, what="every worker on the new key")
            assert old_kid in published_kids(identity)     # its tokens still live

            # 2. The client secret: identity accepts both, the service takes the new one, the old one goes.
            clients_file = tmp_path / "service-clients.json"
            both = [secret_digest(NEW_SECRET), secret_digest(service_secrets["documents"])]
            replace(clients_file, json.dumps({"documents": both}).encode())
            eventually(lambda: accepted(identity, NEW_SECRET), timeout=30, what="the new secret accepted")
            replace(secret_file, NEW_SECRET.encode())
            eventually(lambda: secret.value() == NEW_SECRET, timeout=30, what="the service reading its new secret")
            since = dict(load.done)
            eventually(lambda: load.progressed(since), timeout=30, what="the load going on with the new secret")
            replace(clients_file, json.dumps({"documents": both[:1]}).encode())
            eventually(lambda: not accepted(identity, service_secrets["documents"]), timeout=30,
                       what="the old secret refused")

            # 3. The audit log's key: new heads signed with the new key, the old heads still verify.
            log_key = tmp_path / "audit-log-key.pem"
            old_log_kid = Ed25519HeadSigner(log_key.read_bytes()).key_id
            new_log_key = generate_private_key_pem()
            replace(log_key, new_log_key)
            new_log_kid = Ed25519HeadSigner(new_log_key).key_id

            def signed_with_the_new_log_key() -> bool:
                login(identity)                        # audited: the log grows, the next head is signed
                return tree_head_key(client, patient) == new_log_kid
            eventually(signed_with_the_new_log_key, timeout=30, interval=0.5, what="a head of the new log key")

            # 4. The old token key retired once its tokens have expired; the load never stopped.
            eventually(lambda: old_kid not in published_kids(identity), timeout=30, what="the old key withdrawn")
            since = dict(load.done)
            eventually(lambda: load.progressed(since), timeout=30, what="the load going on")
        finally:
            load.finish()
        assert load.failures == []
        leeway = 5                                      # the verifiers' allowance for clock skew
        eventually(lambda: time.time() > patient_expiry(first_token) + leeway, timeout=30, interval=0.2,
                   what="the first token past its expiry")
        assert client.get("/v1/accounts/me", headers={"authorization": f"Bearer {first_token}"}).status_code == 401
        forged = TokenSigner(old_key, issuer="mes-identity", audience="mes-api", ttl_seconds=60).sign(
            Caller(PATIENT, created.account.account_id))[0]
        with pytest.raises(grpc.RpcError) as refused:     # a retired key signs nothing any more
            identity.stub.GetAccount(pb.GetAccountRequest(account_id="me"),
                                     metadata=[("authorization", f"Bearer {forged}")])
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    report = verify_database(identity.audit_service.settings_for(identity.audit_service.port).database_url)
    assert report.ok, report.line()
    assert {k.key_id for k in report_keys(identity)} >= {old_log_kid, new_log_kid}


def report_keys(identity):
    from mes.audit.v1 import audit_pb2 as apb
    return identity.audit.ListLogKeys(apb.ListLogKeysRequest(), metadata=identity.operator()).keys
