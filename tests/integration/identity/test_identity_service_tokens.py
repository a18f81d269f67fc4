"""Service-to-service tokens: a service exchanges its client secret at identity."""
from __future__ import annotations

import json

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb

from meskit.auth import TokenVerifier
from meskit.clients import service_token_provider


def _issue(identity, name, secret):
    return identity.stub.IssueServiceToken(pb.IssueServiceTokenRequest(service_name=name, client_secret=secret))


class TestIssueServiceToken:
    def test_the_right_secret_gives_a_service_token_every_service_accepts(self, identity, service_secrets):
        reply = _issue(identity, "documents", service_secrets["documents"])
        jwks = json.loads(identity.stub.GetJwks(pb.GetJwksRequest()).jwks_json)
        caller = TokenVerifier(lambda: jwks, issuer="mes-identity", audience="mes-api").verify(reply.access_token)
        assert (caller.actor_type, caller.subject) == ("service", "documents")

    @pytest.mark.parametrize("name, secret", [("documents", "wrong"), ("audit", "anything"), ("", "")])
    def test_wrong_or_unknown_clients_are_refused(self, identity, name, secret):
        with pytest.raises(grpc.RpcError) as error:
            _issue(identity, name, secret)
        expected = grpc.StatusCode.INVALID_ARGUMENT if not name else grpc.StatusCode.UNAUTHENTICATED
        assert error.value.code() == expected

    def test_a_service_token_cannot_do_what_an_operator_does(self, identity, service_secrets):
        token = _issue(identity, "documents", service_secrets["documents"]).access_token
        with pytest.raises(grpc.RpcError) as error:
            identity.stub.CreateAccount(pb.CreateAccountRequest(), metadata=[("authorization", f"Bearer {token}")])
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_the_kit_provider_caches_the_token(self, identity, service_secrets):
        provide = service_token_provider(identity.channel, "documents", service_secrets["documents"])
        assert provide() == provide()
