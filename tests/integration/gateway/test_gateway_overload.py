"""Overload as a client sees it: load shed with 503 + Retry-After, per-token rate limits, deadlines
that reach the services, which then make no call for a request nobody waits for."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from test_gateway_http import assert_problem

from devtools.eventually import eventually
from meskit import clients
from meskit.auth import Caller, TokenSigner
from meskit.errors import DeadlineExceeded
from meskit.server import Registration


class Held:
    """Calls that stay inside the service until `release` is set."""

    def __init__(self):
        self.entered = 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.entered += 1
        self.release.wait(60)


class HoldingIdentity(identity_pb2_grpc.IdentityServiceServicer):
    """Publishes the keys; GetAccount("held") waits for the test, GetAccount("chained") waits until
    its caller's deadline has passed, then tries the call it had to make to `downstream`."""

    def __init__(self, signer: TokenSigner, held: Held, downstream: str = ""):
        self.signer, self.held = signer, held
        self.downstream = downstream
        self.attempts: list[str] = []           # what became of each outgoing call tried
        self.attempted = threading.Event()

    def GetJwks(self, request, context):
        return ipb.GetJwksResponse(jwks_json=json.dumps(self.signer.jwks()))

    def GetAccount(self, request, context):
        if request.account_id == "held":
            self.held.enter()
        if request.account_id == "chained":
            gone = threading.Event()
            if context.add_callback(gone.set):   # called when the call ends: here, its deadline
                gone.wait(60)
            try:
                with clients.channel(self.downstream) as channel:
                    identity_pb2_grpc.IdentityServiceStub(channel).GetJwks(ipb.GetJwksRequest())
                self.attempts.append("made")
            except DeadlineExceeded:
                self.attempts.append("not made")
            finally:
                self.attempted.set()
        return ipb.Account(account_id=request.account_id)


class CountingJwks(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self):
        self.calls = 0

    def GetJwks(self, request, context):
        self.calls += 1
        return ipb.GetJwksResponse(jwks_json="{}")


def _identity(servicer) -> list[Registration]:
    return [Registration(identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer,
                         "mes.identity.v1.IdentityService")]


def test_beyond_its_limit_the_gateway_sheds_with_503_and_loses_none_it_admitted(gateway, upstream_of, signer, auth):
    held = Held()
    with upstream_of(_identity(HoldingIdentity(signer, held))) as address, \
            gateway({"IDENTITY_ADDR": address, "MAX_IN_FLIGHT": "2", "QUEUE_WAIT_SECONDS": "0"}) as url, \
            httpx.Client(base_url=url, timeout=60) as http, ThreadPoolExecutor(6) as pool:
        answers = [pool.submit(http.get, "/v1/accounts/held", headers=auth) for _ in range(6)]
        refused = eventually(lambda: [a for a in answers if a.done()] if sum(a.done() for a in answers) == 4
                             else None, timeout=30, what="four requests answered while two are held")
        eventually(lambda: held.entered == 2, timeout=30)
        assert http.get("/healthz").status_code == 200     # health is never shed
        assert http.get("/openapi.json").status_code == 200
        held.release.set()
        served = [a.result() for a in answers if a not in refused]
        shed = [a.result() for a in refused]
        after = http.get("/v1/accounts/held", headers=auth)
    for answer in shed:
        body = assert_problem(answer, 503, "UNAVAILABLE")
        assert body["reason"] == "OVERLOADED" and answer.headers["retry-after"] == "1"
    assert [a.status_code for a in served] == [200, 200] and [a.json()["accountId"] for a in served] == ["held"] * 2
    assert after.status_code == 200 and held.entered == 3   # the slots were given back


def test_a_request_waits_briefly_for_a_slot_rather_than_being_refused(gateway, upstream_of, signer, auth):
    held = Held()
    with upstream_of(_identity(HoldingIdentity(signer, held))) as address, \
            gateway({"IDENTITY_ADDR": address, "MAX_IN_FLIGHT": "1", "QUEUE_WAIT_SECONDS": "60"}) as url, \
            httpx.Client(base_url=url, timeout=120) as http, ThreadPoolExecutor(2) as pool:
        first = pool.submit(http.get, "/v1/accounts/held", headers=auth)
        eventually(lambda: held.entered == 1, timeout=30)
        second = pool.submit(http.get, "/v1/accounts/held", headers=auth)
        held.release.set()
        assert [first.result().status_code, second.result().status_code] == [200, 200]
    assert held.entered == 2


def test_one_token_over_its_limit_gets_429_another_subject_does_not(gateway, upstream, signer):
    def bearer(subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {signer.sign(Caller('patient', subject))[0]}"}
    jacqueline, her_other_session, paul = bearer("acc-1"), bearer("acc-1"), bearer("acc-2")
    with gateway({"IDENTITY_ADDR": upstream, "RATE_LIMIT_TOKEN_PER_MINUTE": "2"}) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        hers = [http.get("/v1/accounts/me", headers=jacqueline) for _ in range(3)]
        other_session = http.get("/v1/accounts/me", headers=her_other_session)
        his = [http.get("/v1/accounts/me", headers=paul) for _ in range(2)]
    assert [a.status_code for a in hers] == [200, 200, 429]
    body = assert_problem(hers[-1], 429, "RESOURCE_EXHAUSTED")
    assert body["reason"] == "RATE_LIMITED" and int(hers[-1].headers["retry-after"]) >= 1
    assert other_session.status_code == 429          # the subject is limited, not the token string
    assert [a.status_code for a in his] == [200, 200]


def test_an_unreachable_service_answers_503_with_retry_after(client, auth, unconfigured_path):
    method, path = unconfigured_path("documents")   # DOCUMENTS_ADDR names a port nobody listens on
    response = client.request(method, path, headers=auth)
    assert_problem(response, 503, "UNAVAILABLE")
    assert response.headers["retry-after"] == "1"


def test_the_deadline_reaches_the_service_which_then_calls_nothing(gateway, upstream_of, signer, auth):
    downstream = CountingJwks()
    with upstream_of(_identity(downstream)) as downstream_address:
        chained = HoldingIdentity(signer, Held(), downstream_address)
        with upstream_of(_identity(chained)) as address, \
                gateway({"IDENTITY_ADDR": address, "UPSTREAM_TIMEOUT_SECONDS": "1"}) as url, \
                httpx.Client(base_url=url, timeout=60) as http:
            response = http.get("/v1/accounts/chained", headers=auth)
            assert chained.attempted.wait(30)
    body = assert_problem(response, 504, "DEADLINE_EXCEEDED")
    assert body["detail"] == "Le service n'a pas répondu à temps"
    assert chained.attempts == ["not made"] and downstream.calls == 0


def test_a_server_gives_its_outgoing_calls_no_more_than_its_own_time_left(upstream_of, signer):
    remaining: list[float] = []

    class Downstream(identity_pb2_grpc.IdentityServiceServicer):
        def GetJwks(self, request, context):
            remaining.append(context.time_remaining())
            return ipb.GetJwksResponse(jwks_json="{}")

    class Middle(identity_pb2_grpc.IdentityServiceServicer):
        def GetJwks(self, request, context):
            with clients.channel(downstream) as channel:   # its default deadline is 5 s
                return identity_pb2_grpc.IdentityServiceStub(channel).GetJwks(ipb.GetJwksRequest())

    with upstream_of(_identity(Downstream())) as downstream, upstream_of(_identity(Middle())) as middle, \
            grpc.insecure_channel(middle) as channel:
        identity_pb2_grpc.IdentityServiceStub(channel).GetJwks(ipb.GetJwksRequest(), timeout=2)
    assert 0 < remaining[0] <= 2.1   # the caller's 2 s, not the channel's 5 s (gRPC rounds up a few ms)
