"""The insurer's suspension of a space over real gRPC (DOMAIN §4.4): suspended, nobody reads it and
she cannot log in; lifted, it is back; without objection it closes by itself after six weeks; with
her objection it stays suspended. Operators only; each bad request refused, nothing changed."""
from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb

from devtools.eventually import eventually
from meskit.auth import PATIENT, Caller
from test_identity_closure import PASSWORD, Holders
from test_identity_delegations import fails

PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


@pytest.fixture
def identity_env() -> dict[str, str]:
    return {"ERASURE_TOLD": "none", "ERASURE_JOBS_INTERVAL_SECONDS": "0.2"}


@pytest.fixture
def holders(identity) -> Holders:
    return Holders(identity)


def suspend(identity, account_id: str, reason: str = "Fraude à l'identité suspectée", metadata=None) -> pb.Account:
    return identity.stub.SuspendAccount(pb.SuspendAccountRequest(account_id=account_id, reason=reason),
                                        metadata=metadata or identity.operator())


def test_a_suspended_space_is_unreadable_and_lifting_gives_it_back(identity, holders):
    jeanne = holders.holder("Jeanne")
    assert suspend(identity, jeanne).status == pb.ACCOUNT_STATUS_SUSPENDED
    assert holders.context(jeanne).patient_space_closed
    fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne), password=PASSWORD)),
          grpc.StatusCode.UNAUTHENTICATED)
    fails(lambda: suspend(identity, jeanne), PRECONDITION, "NOT_SUSPENDABLE")
    lifted = identity.stub.LiftSuspension(pb.LiftSuspensionRequest(account_id=jeanne), metadata=identity.operator())
    assert lifted.status == pb.ACCOUNT_STATUS_ACTIVE
    assert not holders.context(jeanne).patient_space_closed
    holders.login(jeanne)
    labels = [r.resource_label for r in identity.history(jeanne)]
    assert "Suspension du profil par l'Assurance Maladie" in labels and "Fin de la suspension du profil" in labels
    fails(lambda: identity.stub.LiftSuspension(pb.LiftSuspensionRequest(account_id=jeanne),
                                               metadata=identity.operator()), PRECONDITION, "NOT_SUSPENDED")


def test_without_objection_it_closes_after_six_weeks_with_one_it_stays(identity, holders, clock):
    silent, objecting = holders.holder("Jeanne"), holders.holder("Paul", "Martin")
    suspend(identity, silent)
    suspend(identity, objecting)
    identity.stub.RecordSuspensionObjection(pb.RecordSuspensionObjectionRequest(account_id=objecting),
                                            metadata=identity.operator())
    clock.advance(timedelta(weeks=6, minutes=1))
    eventually(lambda: holders.status(silent) == pb.ACCOUNT_STATUS_CLOSED, what="closed without objection")
    assert holders.status(objecting) == pb.ACCOUNT_STATUS_SUSPENDED
    # archived like any closure: she reopens it by logging in again
    assert holders.context(silent).patient_space_closed


def test_only_operators_and_precise_refusals(identity, holders):
    jeanne = holders.holder("Jeanne")
    fails(lambda: suspend(identity, jeanne, metadata=identity.as_(Caller(PATIENT, jeanne))),
          grpc.StatusCode.PERMISSION_DENIED, "NOT_OPERATOR")
    fails(lambda: suspend(identity, jeanne, reason=""), grpc.StatusCode.INVALID_ARGUMENT)
    fails(lambda: suspend(identity, jeanne, reason="x" * 501), grpc.StatusCode.INVALID_ARGUMENT)
    fails(lambda: suspend(identity, "00000000-0000-0000-0000-000000000000"), grpc.StatusCode.NOT_FOUND)
    fails(lambda: identity.stub.RecordSuspensionObjection(pb.RecordSuspensionObjectionRequest(account_id=jeanne),
                                                          metadata=identity.operator()), PRECONDITION, "NOT_SUSPENDED")
    assert holders.status(jeanne) == pb.ACCOUNT_STATUS_ACTIVE
