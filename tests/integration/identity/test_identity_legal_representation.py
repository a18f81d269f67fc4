"""Support creates a minor's legal representation on proof (DOMAIN §3.3), over real gRPC: in force at
once, audited with the operator's id and reason, the reason never in what the child's
representatives read; every refusal precise and changing nothing."""
from __future__ import annotations

import uuid

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb
from mes.notifications.v1 import notifications_pb2 as npb

from devtools.eventually import eventually
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, SUPPORT, Caller
from test_identity_closure import CHILD, Holders
from test_identity_delegations import LEGAL, fails

REASON = "Jugement du tribunal judiciaire de Lyon du 3 mars 2026, RG 26/01234 : autorité parentale conjointe"
SUPPORT_AGENT = Caller(SUPPORT, "support-agent-7")


@pytest.fixture
def family(identity):
    holders = Holders(identity)
    first, second = holders.holder("Claire", "Morel"), holders.holder("Louis", "Morel")
    child = holders.new("Lea", "Morel", birth=CHILD, activated=False, legal_representative_account_id=first)
    return holders, first, second, child


def create(identity, patient_id: str, delegate_id: str, reason: str = REASON, caller: Caller = SUPPORT_AGENT):
    return identity.stub.CreateLegalRepresentation(pb.CreateLegalRepresentationRequest(
        patient_id=patient_id, delegate_account_id=delegate_id, reason=reason), metadata=identity.as_(caller))


def test_support_creates_the_second_representation_in_force_at_once(identity, family):
    holders, first, second, child = family
    created = create(identity, child, second)

    assert (created.patient_id, created.delegate_account_id, created.type, created.state) == (
        child, second, LEGAL, pb.DELEGATION_STATE_ACCEPTED)
    assert (created.invited_by_account_id, created.answered_at.seconds > 0) == ("", True)
    assert set(holders.context(child).legal_representative_account_ids) == {first, second}
    holders.switched(second, child)                                # she acts for the child at once

    # the child's history, as each representative reads it: support decided, and nothing of its reason
    for reader in (first, second):
        history = identity.history(child, caller=Caller(DELEGATE, reader, on_behalf_of=child,
                                                        delegation="LEGAL_REPRESENTATION"))
        [record] = [r for r in history if r.resource_id == created.delegation_id]
        assert record.resource_label == "Louis Morel devient représentant légal, sur décision du support Mon espace santé"
        assert (record.actor.type, record.actor.id) == (apb.ACTOR_TYPE_SUPPORT, SUPPORT_AGENT.subject)
        assert all("tribunal" not in str(r) for r in history)
    # support finds its reason, with the operator's id, among the records of nobody's history
    found = identity.audit.SearchRecords(apb.SearchRecordsRequest(actor_id=SUPPORT_AGENT.subject, page_size=50),
                                         metadata=identity.operator()).records
    [kept] = [r for r in found if r.justification]
    assert (kept.justification, kept.resource_id, kept.patient_id) == (REASON, created.delegation_id, "")

    def told(account_id):
        reply = identity.notifications.ListNotifications(npb.ListNotificationsRequest(profile_id=child),
                                                         metadata=identity.as_(Caller(PATIENT, account_id)))
        return [n for n in reply.notifications if n.event_type == "AJOUT_REPRESENTANT_LEGAL"]
    for representative in (first, second):
        [notice] = eventually(lambda: told(representative), what="the representatives told")
        assert notice.body == ("Louis Morel a désormais accès au profil de Lea Morel comme représentant légal, "
                               "sur décision du support.")
        assert "tribunal" not in str(notice)


def test_operators_may_create_it_too(identity, family):
    holders, _, second, child = family
    assert create(identity, child, second, caller=Caller("operator", "op-1")).state == pb.DELEGATION_STATE_ACCEPTED


@pytest.mark.parametrize("kind", [PATIENT, PROFESSIONAL, DELEGATE])
def test_only_support_and_operators_create_it(identity, family, kind):
    holders, first, second, child = family
    caller = {PATIENT: Caller(PATIENT, first), PROFESSIONAL: Caller(PROFESSIONAL, "pro-1", profession_code="10"),
              DELEGATE: Caller(DELEGATE, first, on_behalf_of=child, delegation="LEGAL_REPRESENTATION")}[kind]
    fails(lambda: create(identity, child, second, caller=caller), grpc.StatusCode.PERMISSION_DENIED)
    assert list(holders.context(child).legal_representative_account_ids) == [first]


def test_every_bad_request_is_refused_precisely_and_changes_nothing(identity, family):
    holders, first, second, child = family
    adult = holders.holder("Anne", "Roy")
    not_activated = holders.new("Paul", "Blanc", activated=False)
    third = holders.holder("Marie", "Morel")
    rows = holders.delegations_rows()
    cases = [
        (lambda: create(identity, adult, second), grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_MINOR"),
        (lambda: create(identity, child, not_activated), grpc.StatusCode.FAILED_PRECONDITION, "DELEGATE_NOT_ACTIVATED"),
        (lambda: create(identity, child, str(uuid.uuid4())), grpc.StatusCode.NOT_FOUND, "DELEGATE_NOT_FOUND"),
        (lambda: create(identity, str(uuid.uuid4()), second), grpc.StatusCode.NOT_FOUND, ""),
        (lambda: create(identity, child, first), grpc.StatusCode.ALREADY_EXISTS, "DELEGATION_EXISTS"),
        (lambda: create(identity, child, second, reason="   "), grpc.StatusCode.INVALID_ARGUMENT, ""),
        (lambda: create(identity, child, second, reason="x" * 501), grpc.StatusCode.INVALID_ARGUMENT, ""),
        (lambda: create(identity, child, ""), grpc.StatusCode.INVALID_ARGUMENT, ""),
        (lambda: create(identity, child, child), grpc.StatusCode.INVALID_ARGUMENT, "SELF_INVITATION"),
    ]
    for call, code, reason in cases:
        fails(call, code, reason)
    assert holders.delegations_rows() == rows
    create(identity, child, second, reason="x" * 500)
    fails(lambda: create(identity, child, third), grpc.StatusCode.FAILED_PRECONDITION, "LEGAL_REPRESENTATIVE_LIMIT")
    assert set(holders.context(child).legal_representative_account_ids) == {first, second}


def test_a_pending_invitation_of_the_same_person_is_an_existing_delegation(identity, family):
    holders, first, second, child = family
    holders.invite(first, second, LEGAL, patient_id=child)
    fails(lambda: create(identity, child, second), grpc.StatusCode.ALREADY_EXISTS, "DELEGATION_EXISTS")
