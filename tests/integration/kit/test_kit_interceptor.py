"""The kit interceptor on a real server: statuses, authentication, caller, request id, metrics."""
from __future__ import annotations

import logging
import threading
import time

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from mes.documents.v1 import documents_pb2 as dpb
from mes.documents.v1 import documents_pb2_grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc
from prometheus_client import REGISTRY

from devtools.eventually import eventually
from devtools.rpc_errors import error_of as rpc_error
from meskit import auth, db, errors
from meskit.interceptor import DATABASE_UNAVAILABLE, INTERNAL_MESSAGE
from meskit.server import Registration, build_server

log = logging.getLogger("kit-test.handler")
IDENTITY = "mes.identity.v1.IdentityService"
NOTIFICATIONS = "mes.notifications.v1.NotificationsService"
DOCUMENTS = "mes.documents.v1.DocumentsService"



def details_of(error: grpc.RpcError) -> dict:
    status = rpc_status.from_call(error)
    found = {}
    for detail in status.details if status else []:
        for kind in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found[kind] = message
    return found


@pytest.fixture
def identity(serve, channel_to):
    """Factory: a stub on a server hosting IdentityService with the given handlers."""
    def make(**handlers) -> identity_pb2_grpc.IdentityServiceStub:
        max_workers = handlers.pop("max_workers", 4)
        name = handlers.pop("name", "kit-test")
        return identity_pb2_grpc.IdentityServiceStub(channel_to(serve(handlers, max_workers=max_workers, name=name)))
    return make


def raising(error: BaseException):
    def handler(request, context):
        raise error
    return handler


class TestDomainErrors:
    @pytest.mark.parametrize("error,code", [
        (errors.NotFound("Compte introuvable"), grpc.StatusCode.NOT_FOUND),
        (errors.PermissionDenied("Accès refusé"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.FailedPrecondition("Compte clôturé"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.ResourceExhausted("Trop de tentatives"), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.Unavailable("Service indisponible"), grpc.StatusCode.UNAVAILABLE)])
    def test_become_the_matching_status_with_their_message(self, identity, bearer, error, code):
        stub = identity(GetAccount=raising(error))
        failure = rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(), metadata=bearer()))
        assert (failure.code(), failure.details()) == (code, error.message)

    def test_field_violations_and_reason_reach_the_client(self, identity, bearer):
        violations = errors.Violations()
        violations.add("email", "adresse invalide")
        violations.require("", "nir")

        def create(request, context):
            violations.raise_if_any()
        stub = identity(CreateAccount=create, UpdateContact=raising(
            errors.AlreadyExists("Identifiant déjà utilisé", reason="LOGIN_ID_TAKEN")))

        failure = rpc_error(lambda: stub.CreateAccount(pb.CreateAccountRequest(), metadata=bearer()))
        assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT
        bad_request = details_of(failure)[error_details_pb2.BadRequest]
        assert [(v.field, v.description) for v in bad_request.field_violations] == [
            ("email", "adresse invalide"), ("nir", "champ obligatoire")]

        failure = rpc_error(lambda: stub.UpdateContact(pb.UpdateContactRequest(), metadata=bearer()))
        info = details_of(failure)[error_details_pb2.ErrorInfo]
        assert (failure.code(), info.reason, info.domain) == (grpc.StatusCode.ALREADY_EXISTS, "LOGIN_ID_TAKEN", "mes")

    def test_a_handler_that_aborts_by_itself_keeps_its_status(self, identity, bearer):
        def close(request, context):
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "déjà clôturé")
        stub = identity(CloseAccount=close)
        failure = rpc_error(lambda: stub.CloseAccount(pb.CloseAccountRequest(), metadata=bearer()))
        assert (failure.code(), failure.details()) == (grpc.StatusCode.FAILED_PRECONDITION, "déjà clôturé")

    def test_unimplemented_rpcs_stay_unimplemented(self, identity, bearer):
        failure = rpc_error(lambda: identity().GetProfessional(pb.GetProfessionalRequest(), metadata=bearer()))
        assert failure.code() == grpc.StatusCode.UNIMPLEMENTED


class TestUnexpectedErrors:
    def test_answer_internal_with_a_generic_message_and_log_the_traceback(self, identity, bearer, json_logs):
        stub = identity(UpdateContact=raising(KeyError("nir=1850775123456 of acc-1")))
        failure = rpc_error(lambda: stub.UpdateContact(
            pb.UpdateContactRequest(), metadata=[*bearer(), ("x-request-id", "req-boom")]))
        assert (failure.code(), failure.details()) == (grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        assert "1850775123456" not in str(failure.trailing_metadata())
        (line,) = json_logs.matching(message="unexpected error in /mes.identity.v1.IdentityService/UpdateContact")
        assert line["severity"] == "ERROR" and line["request_id"] == "req-boom"
        assert "Traceback" in line["exception"] and "1850775123456" in line["exception"]

    def test_a_database_that_dropped_the_session_answers_unavailable_which_a_client_retries(
            self, identity, bearer, new_database, json_logs):
        """What a PostgreSQL restart does to the calls in flight (the fault test of issue 18)."""
        engine = db.make_engine(new_database("dropped"))

        def read_after_the_server_ended_the_session(request, context):
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
                connection.execute(sa.text("SELECT 1"))
        stub = identity(GetAccount=read_after_the_server_ended_the_session)
        try:
            failure = rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(), metadata=bearer()))
        finally:
            engine.dispose()
        assert (failure.code(), failure.details()) == (grpc.StatusCode.UNAVAILABLE, DATABASE_UNAVAILABLE)
        assert details_of(failure)[error_details_pb2.ErrorInfo].reason == "DATABASE_UNAVAILABLE"
        (line,) = json_logs.matching(message="database unreachable in /mes.identity.v1.IdentityService/GetAccount: "
                                             "OperationalError")
        assert line["severity"] == "WARNING"


class TestAuthentication:
    def test_public_methods_need_no_token(self, identity):
        stub = identity(GetJwks=lambda request, context: pb.GetJwksResponse(jwks_json="{}"),
                        StartLogin=lambda request, context: pb.StartLoginResponse(challenge_id="ch-1"))
        assert stub.GetJwks(pb.GetJwksRequest()).jwks_json == "{}"
        assert stub.StartLogin(pb.StartLoginRequest()).challenge_id == "ch-1"

    def test_public_is_decided_per_service_not_per_method_name(self, verifier):
        servicer = identity_pb2_grpc.IdentityServiceServicer()
        servicer.GetJwks = lambda request, context: pb.GetJwksResponse(jwks_json="{}")
        kit = build_server(service="kit-test", host="127.0.0.1", verifier=verifier, registrations=[
            Registration(identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer, IDENTITY)])
        # another service on the same server with a protected method that happens to share the name
        kit.server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("mes.test.v1.Other", {
            "GetJwks": grpc.unary_unary_rpc_method_handler(lambda request, context: b"private data")})])
        kit.server.start()
        channel = grpc.insecure_channel(f"127.0.0.1:{kit.port}")
        try:
            assert identity_pb2_grpc.IdentityServiceStub(channel).GetJwks(pb.GetJwksRequest()).jwks_json == "{}"
            failure = rpc_error(lambda: channel.unary_unary("/mes.test.v1.Other/GetJwks")(b""))
            assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
        finally:
            channel.close()
            kit.stop(0)

    @pytest.mark.parametrize("metadata,reason", [
        ([], "TOKEN_MISSING"), ([("authorization", "Basic dXNlcjpwdw==")], "TOKEN_MISSING"),
        ([("authorization", "Bearer not-a-jwt")], "TOKEN_INVALID")])
    def test_other_methods_refuse_a_missing_or_bad_token(self, identity, metadata, reason):
        calls = []
        stub = identity(GetAccount=lambda request, context: calls.append(1) or pb.Account())
        failure = rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(), metadata=metadata))
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED
        assert details_of(failure)[error_details_pb2.ErrorInfo].reason == reason
        assert calls == []  # the handler never ran

    def test_expired_token_is_refused_with_its_reason(self, identity, signer):
        token, _ = signer.sign(auth.Caller(auth.PATIENT, "acc-1"), ttl_seconds=60, now=time.time() - 600)
        stub = identity(GetAccount=lambda request, context: pb.Account())
        failure = rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(),
                                                    metadata=[("authorization", f"Bearer {token}")]))
        assert (failure.code(), details_of(failure)[error_details_pb2.ErrorInfo].reason) == (
            grpc.StatusCode.UNAUTHENTICATED, "TOKEN_EXPIRED")

    def test_server_without_verifier_refuses_protected_methods(self, serve, channel_to, bearer):
        kit = serve({"GetAccount": lambda request, context: pb.Account()}, with_verifier=False)
        stub = identity_pb2_grpc.IdentityServiceStub(channel_to(kit))
        assert rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(), metadata=bearer())).code() == \
            grpc.StatusCode.UNAUTHENTICATED

    def test_handler_sees_the_verified_caller(self, identity, bearer):
        def get_account(request, context):
            caller = auth.current_caller()
            return pb.Account(account_id=caller.subject, given_name=caller.actor_type)
        stub = identity(GetAccount=get_account)
        account = stub.GetAccount(pb.GetAccountRequest(), metadata=bearer(auth.PROFESSIONAL, "pro-42"))
        assert (account.account_id, account.given_name) == ("pro-42", auth.PROFESSIONAL)

    def test_an_app_token_reaches_only_the_methods_open_to_apps(self, serve, channel_to, signer):
        app = signer.sign(auth.Caller(auth.APP, "app-1", on_behalf_of="acc-1", scopes=("MESURES",)))[0]
        metadata = [("authorization", f"Bearer {app}")]
        reached = []
        identity = identity_pb2_grpc.IdentityServiceStub(channel_to(serve(
            {"GetAccount": lambda request, context: reached.append("GetAccount") or pb.Account()})))
        refused = rpc_error(lambda: identity.GetAccount(pb.GetAccountRequest(), metadata=metadata))
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
        assert details_of(refused)[error_details_pb2.ErrorInfo].reason == "APP_NOT_ALLOWED" and reached == []

        def upload(requests, context):
            caller = auth.current_caller()
            return dpb.Document(document_id=caller.subject, patient_id=caller.on_behalf_of)
        documents = documents_pb2_grpc.DocumentsServiceStub(channel_to(serve({"UploadDocument": upload},
                                                                              service=DOCUMENTS)))
        stored = documents.UploadDocument(iter([dpb.UploadDocumentRequest(chunk=b"x")]), metadata=metadata)
        assert (stored.document_id, stored.patient_id) == ("app-1", "acc-1")
        assert rpc_error(lambda: documents.GetDocument(dpb.GetDocumentRequest(document_id="d"), metadata=metadata)
                         ).code() == grpc.StatusCode.PERMISSION_DENIED

    def test_caller_does_not_leak_into_the_next_call(self, identity, bearer):
        def whoami(request, context):
            return pb.Account(account_id=auth.current_caller().subject)
        # one worker thread: both calls run on the same thread, one after the other
        stub = identity(GetAccount=whoami, StartLogin=raising(RuntimeError("unused")),
                        GetJwks=lambda request, context: pb.GetJwksResponse(jwks_json=auth.current_caller().subject),
                        max_workers=1)
        assert stub.GetAccount(pb.GetAccountRequest(), metadata=bearer(auth.PATIENT, "acc-1")).account_id == "acc-1"
        failure = rpc_error(lambda: stub.GetJwks(pb.GetJwksRequest()))
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED


class TestRequestId:
    def test_request_id_from_metadata_is_in_every_log_line_of_the_call(self, identity, bearer, json_logs):
        def get_account(request, context):
            log.info("looking up the account", extra={"account_id": "acc-1"})
            raise errors.NotFound("Compte introuvable")
        stub = identity(GetAccount=get_account)
        rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(), metadata=[*bearer(), ("x-request-id", "req-7")]))
        (handler_line,) = json_logs.matching(message="looking up the account")
        assert handler_line["request_id"] == "req-7"
        assert (handler_line["service"], handler_line["account_id"], handler_line["severity"]) == (
            "kit-test", "acc-1", "INFO")
        (finished,) = json_logs.matching(message="rpc finished")
        assert (finished["request_id"], finished["code"]) == ("req-7", "NOT_FOUND")
        assert finished["method"] == "/mes.identity.v1.IdentityService/GetAccount"

    def test_each_call_without_request_id_gets_a_fresh_one(self, identity, json_logs):
        def start_login(request, context):
            log.info("start login")
            return pb.StartLoginResponse()
        stub = identity(StartLogin=start_login, max_workers=1)
        stub.StartLogin(pb.StartLoginRequest(), metadata=[("x-request-id", "req-given")])
        stub.StartLogin(pb.StartLoginRequest())
        stub.StartLogin(pb.StartLoginRequest())
        ids = [line["request_id"] for line in json_logs.matching(message="start login")]
        assert ids[0] == "req-given"
        assert ids[1] and ids[2] and len(set(ids)) == 3

    def test_a_slow_successful_call_is_logged_with_its_method_and_only_a_slow_one(self, identity, json_logs,
                                                                                     monkeypatch):
        monkeypatch.setattr("meskit.interceptor.SLOW_RPC_SECONDS", 0.2)
        def start_login(request, context):
            time.sleep(0.3 if request.login_id == "slow" else 0)
            return pb.StartLoginResponse()
        stub = identity(StartLogin=start_login)
        stub.StartLogin(pb.StartLoginRequest(login_id="quick"), metadata=[("x-request-id", "req-quick")])
        stub.StartLogin(pb.StartLoginRequest(login_id="slow"), metadata=[("x-request-id", "req-slow")])
        (slow,) = json_logs.matching(message="slow rpc")
        assert (slow["request_id"], slow["severity"], slow["method"]) == (
            "req-slow", "WARNING", "/mes.identity.v1.IdentityService/StartLogin")
        assert slow["duration_ms"] >= 300 and "login_id" not in slow


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class TestMetrics:
    def test_requests_are_counted_by_method_and_code(self, identity, bearer):
        stub = identity(GetAccount=raising(errors.NotFound("Compte introuvable")),
                        GetJwks=lambda request, context: pb.GetJwksResponse(),
                        UpdateContact=raising(ValueError("bug")), name="kit-metrics")
        before = {code: sample("mes_rpc_requests_total", service="kit-metrics", method=method, code=code)
                  for method, code in (("GetAccount", "NOT_FOUND"), ("GetJwks", "OK"),
                                       ("UpdateContact", "INTERNAL"), ("GetAccount", "UNAUTHENTICATED"))}
        for _ in range(2):
            stub.GetJwks(pb.GetJwksRequest())
        rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest(), metadata=bearer()))
        rpc_error(lambda: stub.GetAccount(pb.GetAccountRequest()))
        rpc_error(lambda: stub.UpdateContact(pb.UpdateContactRequest(), metadata=bearer()))
        after = {code: sample("mes_rpc_requests_total", service="kit-metrics", method=method, code=code)
                 for method, code in (("GetAccount", "NOT_FOUND"), ("GetJwks", "OK"),
                                      ("UpdateContact", "INTERNAL"), ("GetAccount", "UNAUTHENTICATED"))}
        assert {code: after[code] - before[code] for code in after} == {
            "NOT_FOUND": 1, "OK": 2, "INTERNAL": 1, "UNAUTHENTICATED": 1}

    def test_latency_is_observed(self, identity):
        def slow(request, context):
            time.sleep(0.06)   # the latency to observe: the interceptor times calls with the real clock
            return pb.GetJwksResponse()
        stub = identity(GetJwks=slow, name="kit-latency")
        labels = {"service": "kit-latency", "method": "GetJwks"}
        count, total = sample("mes_rpc_duration_seconds_count", **labels), sample("mes_rpc_duration_seconds_sum", **labels)
        fast = sample("mes_rpc_duration_seconds_bucket", **labels, le="0.05")
        stub.GetJwks(pb.GetJwksRequest())
        assert sample("mes_rpc_duration_seconds_count", **labels) == count + 1
        assert sample("mes_rpc_duration_seconds_sum", **labels) - total >= 0.06   # no upper bound: a busy machine is slower
        assert sample("mes_rpc_duration_seconds_bucket", **labels, le="0.05") == fast
        assert sample("mes_rpc_duration_seconds_bucket", **labels, le="+Inf") == count + 1

    def test_metrics_are_served_for_prometheus(self, identity):
        import urllib.request
        from meskit.telemetry import start_metrics_server
        identity(GetJwks=lambda request, context: pb.GetJwksResponse(), name="kit-scrape").GetJwks(pb.GetJwksRequest())
        assert start_metrics_server(-1) == -1  # disabled
        port = start_metrics_server(0)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = response.read().decode()
        assert 'mes_rpc_requests_total{code="OK",method="GetJwks",service="kit-scrape"} 1.0' in body


@pytest.fixture
def watch(serve, channel_to):
    """Factory: a stub on a server hosting NotificationsService with the given WatchNotifications."""
    def make(handler) -> notifications_pb2_grpc.NotificationsServiceStub:
        kit = serve({"WatchNotifications": handler}, service=NOTIFICATIONS, name="kit-stream")
        return notifications_pb2_grpc.NotificationsServiceStub(channel_to(kit))
    return make


class TestServerStreaming:
    def test_domain_error_after_some_messages(self, watch, bearer):
        def handler(request, context):
            yield npb.Notification(notification_id="n-1", profile_id=auth.current_caller().subject)
            raise errors.PermissionDenied("Profil non autorisé", reason="PROFILE_FORBIDDEN")
        stream = watch(handler).WatchNotifications(npb.WatchNotificationsRequest(), metadata=bearer(subject="acc-9"))
        received = []
        failure = rpc_error(lambda: received.extend(stream))
        assert [(n.notification_id, n.profile_id) for n in received] == [("n-1", "acc-9")]
        assert (failure.code(), failure.details()) == (grpc.StatusCode.PERMISSION_DENIED, "Profil non autorisé")
        assert details_of(failure)[error_details_pb2.ErrorInfo].reason == "PROFILE_FORBIDDEN"

    def test_unexpected_error_is_internal(self, watch, bearer, json_logs):
        def handler(request, context):
            yield npb.Notification(notification_id="n-1")
            raise RuntimeError("broken queue")
        stream = watch(handler).WatchNotifications(npb.WatchNotificationsRequest(), metadata=bearer())
        failure = rpc_error(lambda: list(stream))
        assert (failure.code(), failure.details()) == (grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        (line,) = json_logs.matching(message="unexpected error in /mes.notifications.v1.NotificationsService/WatchNotifications")
        assert "broken queue" in line["exception"]

    def test_requires_a_token(self, watch):
        started = []

        def handler(request, context):
            started.append(1)
            yield npb.Notification()
        failure = rpc_error(lambda: list(watch(handler).WatchNotifications(npb.WatchNotificationsRequest())))
        assert failure.code() == grpc.StatusCode.UNAUTHENTICATED and started == []

    def test_completed_stream_is_counted_ok(self, watch, bearer):
        def handler(request, context):
            yield from (npb.Notification(notification_id=f"n-{i}") for i in range(3))
        labels = {"service": "kit-stream", "method": "WatchNotifications", "code": "OK"}
        before = sample("mes_rpc_requests_total", **labels)
        assert len(list(watch(handler).WatchNotifications(npb.WatchNotificationsRequest(), metadata=bearer()))) == 3
        assert sample("mes_rpc_requests_total", **labels) == before + 1

    def test_stream_the_client_cancels_is_counted_cancelled_and_cleaned_up(self, watch, bearer):
        closed = threading.Event()

        def handler(request, context):
            try:
                while True:
                    yield npb.Notification(notification_id="tick")
                    time.sleep(0.02)   # a live stream's pace, until the client cancels
            finally:
                closed.set()
        labels = {"service": "kit-stream", "method": "WatchNotifications"}
        before = {code: sample("mes_rpc_requests_total", **labels, code=code) for code in ("OK", "CANCELLED")}
        stream = watch(handler).WatchNotifications(npb.WatchNotificationsRequest(), metadata=bearer())
        next(stream)
        stream.cancel()
        assert closed.wait(30)
        eventually(lambda: sample("mes_rpc_requests_total", **labels, code="CANCELLED") != before["CANCELLED"],
                   what="the cancelled call counted")
        assert sample("mes_rpc_requests_total", **labels, code="CANCELLED") == before["CANCELLED"] + 1
        assert sample("mes_rpc_requests_total", **labels, code="OK") == before["OK"]
