"""Outbound calls through meskit.clients: deadline, request id, trace context, token; JWKS fetchers."""
from __future__ import annotations

import json
import time

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc
from opentelemetry import trace

from meskit import auth, clients, errors
from meskit.logs import request_id_var


@pytest.fixture
def recorder(serve):
    """A downstream server whose public GetJwks records the metadata of each call."""
    seen: list[dict] = []

    def get_jwks(request, context):
        seen.append(dict(context.invocation_metadata()))
        return pb.GetJwksResponse(jwks_json="{}")
    kit = serve({"GetJwks": get_jwks}, name="kit-downstream")
    return f"127.0.0.1:{kit.port}", seen


@pytest.fixture
def kit_channel():
    opened: list[grpc.Channel] = []

    def make(address: str, **options) -> grpc.Channel:
        channel = clients.channel(address, **options)
        opened.append(channel)
        return channel

    yield make
    for channel in opened:
        channel.close()


class TestOutboundMetadata:
    def test_a_handler_forwards_request_id_trace_and_service_token(self, serve, channel_to, recorder, kit_channel,
                                                                     bearer, spans):
        address, seen = recorder
        downstream = identity_pb2_grpc.IdentityServiceStub(kit_channel(address, token_provider=lambda: "svc-token"))

        def get_account(request, context):
            downstream.GetJwks(pb.GetJwksRequest())
            return pb.Account(account_id=format(trace.get_current_span().get_span_context().trace_id, "032x"))
        upstream = identity_pb2_grpc.IdentityServiceStub(channel_to(serve({"GetAccount": get_account})))
        account = upstream.GetAccount(pb.GetAccountRequest(), metadata=[*bearer(), ("x-request-id", "req-chain")])

        (metadata,) = seen
        assert metadata["x-request-id"] == "req-chain"
        assert metadata["authorization"] == "Bearer svc-token"
        assert metadata["traceparent"].split("-")[1] == account.account_id  # same trace as the upstream call

    def test_the_callers_own_authorization_wins_over_the_token_provider(self, recorder, kit_channel):
        address, seen = recorder
        provided = []
        stub = identity_pb2_grpc.IdentityServiceStub(
            kit_channel(address, token_provider=lambda: provided.append(1) or "svc-token"))
        stub.GetJwks(pb.GetJwksRequest(), metadata=[("authorization", "Bearer user-token")])
        assert seen[0]["authorization"] == "Bearer user-token"
        assert provided == []

    def test_outside_a_request_only_what_exists_is_sent(self, recorder, kit_channel):
        address, seen = recorder
        identity_pb2_grpc.IdentityServiceStub(kit_channel(address)).GetJwks(pb.GetJwksRequest())
        assert "authorization" not in seen[0]
        assert "x-request-id" not in seen[0]

    def test_request_id_of_the_current_request_is_sent(self, recorder, kit_channel):
        address, seen = recorder
        token = request_id_var.set("req-current")
        try:
            identity_pb2_grpc.IdentityServiceStub(kit_channel(address)).GetJwks(pb.GetJwksRequest())
        finally:
            request_id_var.reset(token)
        assert seen[0]["x-request-id"] == "req-current"


class TestDeadline:
    @pytest.fixture
    def slow(self, serve):
        def get_jwks(request, context):
            time.sleep(0.4)  # a slow server, longer than the 0.1 s default below: gRPC deadlines take no clock
            return pb.GetJwksResponse(jwks_json="late")
        return f"127.0.0.1:{serve({'GetJwks': get_jwks}).port}"

    def test_calls_get_the_channel_default_deadline(self, slow, kit_channel):
        stub = identity_pb2_grpc.IdentityServiceStub(kit_channel(slow, timeout=0.1))
        with pytest.raises(grpc.RpcError) as info:
            stub.GetJwks(pb.GetJwksRequest())
        assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

    def test_an_explicit_timeout_overrides_the_default(self, slow, kit_channel):
        stub = identity_pb2_grpc.IdentityServiceStub(kit_channel(slow, timeout=0.1))
        assert stub.GetJwks(pb.GetJwksRequest(), timeout=60).jwks_json == "late"

    def test_the_server_sees_the_default_deadline(self, serve, kit_channel):
        remaining = []

        def get_jwks(request, context):
            remaining.append(context.time_remaining())
            return pb.GetJwksResponse()
        kit = serve({"GetJwks": get_jwks})
        identity_pb2_grpc.IdentityServiceStub(kit_channel(f"127.0.0.1:{kit.port}")).GetJwks(pb.GetJwksRequest())
        assert remaining[0] is not None  # without a default the server would see no deadline at all
        assert 0 < remaining[0] <= clients.DEFAULT_TIMEOUT_SECONDS + 1  # gRPC sends the deadline rounded up, a few ms over


class TestJwksFetchers:
    def test_verifier_gets_the_keys_from_identity_over_grpc(self, serve, signer, kit_channel):
        kit = serve({"GetJwks": lambda request, context: pb.GetJwksResponse(jwks_json=json.dumps(signer.jwks()))})
        verifier = auth.TokenVerifier(clients.jwks_from_identity(kit_channel(f"127.0.0.1:{kit.port}")),
                                      issuer="mes-identity", audience="mes-api")
        token, _ = signer.sign(auth.Caller(auth.SERVICE, "documents"))
        assert verifier.verify(token) == auth.Caller(auth.SERVICE, "documents", token_id=verifier.verify(token).token_id)

    def test_identity_down_means_tokens_cannot_be_verified(self, signer, kit_channel):
        from devtools.ports import closed_port
        verifier = auth.TokenVerifier(clients.jwks_from_identity(kit_channel(f"127.0.0.1:{closed_port()}")),
                                      issuer="mes-identity", audience="mes-api")
        with pytest.raises(errors.Unauthenticated):
            verifier.verify(signer.sign(auth.Caller(auth.PATIENT, "acc-1"))[0])

    def test_verifier_reads_a_jwks_file(self, tmp_path, signer):
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps(signer.jwks()))
        verifier = auth.TokenVerifier(clients.jwks_from_file(str(path)), issuer="mes-identity", audience="mes-api")
        assert verifier.verify(signer.sign(auth.Caller(auth.OPERATOR, "op-1"))[0]).subject == "op-1"


class TestTracePropagation:
    def test_server_span_continues_the_client_trace(self, recorder, kit_channel, spans):
        address, _ = recorder
        spans.clear()
        stub = identity_pb2_grpc.IdentityServiceStub(kit_channel(address))
        with trace.get_tracer("kit-test").start_as_current_span("client operation") as client_span:
            stub.GetJwks(pb.GetJwksRequest())
        client = client_span.get_span_context()
        (server_span,) = [s for s in spans.get_finished_spans()
                          if s.name == "/mes.identity.v1.IdentityService/GetJwks"]
        assert server_span.context.trace_id == client.trace_id
        assert server_span.parent.span_id == client.span_id
        assert server_span.kind == trace.SpanKind.SERVER
        assert server_span.attributes["rpc.grpc.status_code"] == "OK"

    def test_every_log_line_of_a_call_carries_its_trace_id(self, serve, channel_to, bearer, spans, json_logs):
        def get_account(request, context):
            import logging
            logging.getLogger("kit-test.handler").info("in handler")
            raise errors.NotFound("Compte introuvable")
        stub = identity_pb2_grpc.IdentityServiceStub(channel_to(serve({"GetAccount": get_account})))
        with trace.get_tracer("kit-test").start_as_current_span("client operation") as client_span:
            with pytest.raises(grpc.RpcError):
                stub.GetAccount(pb.GetAccountRequest(), metadata=[
                    *bearer(), *clients.outbound_metadata()])
        trace_id = format(client_span.get_span_context().trace_id, "032x")
        (handler_line,) = json_logs.matching(message="in handler")
        (finished,) = json_logs.matching(message="rpc finished")
        assert handler_line["trace_id"] == trace_id
        assert finished["trace_id"] == trace_id
