"""The gateway in front of small real implementations of identity and notifications.

The fake services run on meskit's gRPC server (port 0, the same interceptor as production);
the gateway runs on uvicorn (uvloop, httptools) on port 0 in a thread; tests speak HTTP to it.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.gateway_thread import running_gateway
from devtools.ports import closed_port
from meskit.auth import Caller, TokenSigner, TokenVerifier, current_caller, generate_private_key_pem
from meskit.errors import FieldViolation, InvalidArgument, NotFound
from meskit.server import KitServer, Registration, build_server

ISSUER, AUDIENCE = "mes-identity", "mes-api"


class Calls:
    """What the services saw: how many calls, and the metadata of the last one. A call for the
    account "slow" sets `slow_entered` and answers once the test sets `slow_release`."""

    def __init__(self):
        self.count: dict[str, int] = {}
        self.metadata: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.slow_entered, self.slow_release = threading.Event(), threading.Event()

    def saw(self, method: str, context) -> None:
        with self._lock:
            self.count[method] = self.count.get(method, 0) + 1
            self.metadata[method] = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}


class Identity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, signer: TokenSigner, calls: Calls):
        self.signer, self.calls = signer, calls

    def GetJwks(self, request, context):
        self.calls.saw("GetJwks", context)
        return ipb.GetJwksResponse(jwks_json=json.dumps(self.signer.jwks()))

    def GetAccount(self, request, context):
        self.calls.saw("GetAccount", context)
        caller = current_caller()
        if request.account_id == "slow":
            self.calls.slow_entered.set()
            self.calls.slow_release.wait(60)
        if request.account_id == "missing":
            raise NotFound("Compte introuvable")
        if request.account_id == "crash":
            raise RuntimeError("password=hunter2 leaked in an internal error")
        account = ipb.Account(account_id=caller.subject if request.account_id == "me" else request.account_id,
                              status=ipb.ACCOUNT_STATUS_ACTIVE, given_name="Jacqueline", family_name="Martin")
        account.created_at.FromSeconds(1_700_000_000)
        return account

    def UpdateContact(self, request, context):
        self.calls.saw("UpdateContact", context)
        return ipb.Account(account_id=request.account_id, email=request.email, phone=request.phone)

    def StartLogin(self, request, context):
        self.calls.saw("StartLogin", context)
        if len(request.login_id) < 8:
            raise InvalidArgument("Identifiants invalides", reason="LOGIN_INVALID",
                                  violations=[FieldViolation("login_id", "8 caractères au moins")])
        return ipb.StartLoginResponse(challenge_id="challenge-1", code_sent_to="j***@example.fr")

    def SearchProfessionals(self, request, context):
        self.calls.saw("SearchProfessionals", context)
        found = [ipb.Professional(professional_id=f"p{i}", family_name=request.query,
                                  profession_code=request.profession_code) for i in range(request.page_size)]
        return ipb.SearchProfessionalsResponse(professionals=found)

    def UpdateEmergencySettings(self, request, context):
        self.calls.saw("UpdateEmergencySettings", context)
        return ipb.AccessSettings(patient_id=request.patient_id, emergency=request.emergency)


class Notifications(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self, calls: Calls):
        self.calls = calls

    def WatchNotifications(self, request, context):
        self.calls.saw("WatchNotifications", context)
        if request.profile_id == "nobody":
            raise NotFound("Profil introuvable")
        try:
            for i in range(0 if request.profile_id == "idle" else 3):
                yield npb.Notification(notification_id=f"n{i}", profile_id=request.profile_id, title=f"Titre {i}")
            if request.profile_id in ("forever", "lively", "idle"):   # a live watch, until the caller leaves
                left = threading.Event()
                if context.add_callback(left.set):
                    left.wait()
        finally:   # also when grpc closes the generator because the caller went away
            if request.profile_id == "forever":
                self.calls.saw("WatchNotifications:ended", context)
        if request.profile_id == "breaks":
            raise NotFound("Profil supprimé en cours de route")

    def ListNotifications(self, request, context):
        self.calls.saw("ListNotifications", context)
        return npb.ListNotificationsResponse(notifications=[
            npb.Notification(notification_id="n1", profile_id=request.profile_id,
                             read=not request.unread_only, title=str(request.page_size))])


def serve(signer: TokenSigner, registrations: list[Registration]) -> KitServer:
    """`registrations` on meskit's server (port 0, production interceptor), started and SERVING."""
    verifier = TokenVerifier(signer.jwks, issuer=ISSUER, audience=AUDIENCE)
    kit = build_server(service="fake-upstream", verifier=verifier, host="127.0.0.1", port=0,
                       registrations=registrations)
    kit.server.start()
    kit.set_serving(True)
    return kit


@pytest.fixture(scope="session")
def signing_pem() -> bytes:
    return generate_private_key_pem()


@pytest.fixture(scope="session")
def signer(signing_pem):
    return TokenSigner(signing_pem, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=300)


@pytest.fixture(scope="session")
def calls():
    return Calls()


@pytest.fixture(scope="session")
def upstream(signer, calls):
    kit = serve(signer, [
        Registration(identity_pb2_grpc.add_IdentityServiceServicer_to_server, Identity(signer, calls),
                     "mes.identity.v1.IdentityService"),
        Registration(notifications_pb2_grpc.add_NotificationsServiceServicer_to_server, Notifications(calls),
                     "mes.notifications.v1.NotificationsService")])
    yield f"127.0.0.1:{kit.port}"
    kit.stop(0)


@pytest.fixture(scope="session")
def upstream_of(signer):
    """`upstream_of(registrations)`: a context manager serving them; yields their host:port."""
    @contextmanager
    def run(registrations: list[Registration]):
        kit = serve(signer, registrations)
        try:
            yield f"127.0.0.1:{kit.port}"
        finally:
            kit.stop(0)
    return run


@pytest.fixture(scope="session")
def gateway_url(upstream):
    """Identity and notifications live, documents down, the other services not configured."""
    with running_gateway({"IDENTITY_ADDR": upstream, "NOTIFICATIONS_ADDR": upstream,
                          "DOCUMENTS_ADDR": f"127.0.0.1:{closed_port()}", "MAX_BODY_BYTES": "4096",
                          "RATE_LIMIT_PUBLIC_PER_MINUTE": "0"}) as url:
        yield url


@pytest.fixture
def client(gateway_url):
    with httpx.Client(base_url=gateway_url, timeout=10) as http:
        yield http


@pytest.fixture(scope="session")
def gateway():
    """`gateway(environ)`: a context manager serving a gateway built from `environ`; yields its URL."""
    return running_gateway


@pytest.fixture(scope="session")
def unconfigured_path():
    """A concrete path routed to `upstream` ("agenda", ...), whatever that service's proto holds."""
    from gateway import protos, routes

    table = [r for s in protos.services_of(protos.import_generated()) for r in routes.routes_for(s)]

    def path(upstream: str) -> tuple[str, str]:
        route = next(r for r in table if r.upstream == upstream and not r.body and not r.server_streaming)
        return route.http_method, route.template.openapi_path(lambda _: "x")
    return path


@pytest.fixture
def token(signer):
    return signer.sign(Caller("patient", "acc-1"))[0]


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}
