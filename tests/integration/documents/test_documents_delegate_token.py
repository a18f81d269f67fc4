"""A caregiver's act-on-behalf token (identity's SwitchProfile, RFC 8693 shape) through documents:
she lists and reads the helped person's documents, each read recorded as hers for the person; once
the person revokes her, her next request is refused although the token has not expired."""
from __future__ import annotations

import grpc
import jwt
import pytest
import sqlalchemy as sa
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from documents_samples import TEXT


def activate(stack, account_id: str) -> None:
    """The caregiver's space is activated (the login flow has its own tests)."""
    engine = sa.create_engine(stack.urls["identity"])
    with engine.begin() as c:
        c.execute(sa.text("UPDATE accounts SET status = 'ACTIVE', activated_at = now() WHERE account_id = :id"),
                  {"id": account_id})
    engine.dispose()


def caregiving(stack, helped: str, caregiver: str) -> ipb.Delegation:
    activate(stack, caregiver)
    found = stack.identity.GetAccount(ipb.GetAccountRequest(account_id=caregiver), metadata=stack.operator, timeout=10)
    invited = stack.identity.CreateDelegation(ipb.CreateDelegationRequest(
        patient_id="me", type=ipb.DELEGATION_TYPE_CAREGIVING, delegate_family_name=found.family_name,
        delegate_given_name=found.given_name, delegate_birth_date=found.birth_date),
        metadata=stack.patient(helped), timeout=10)
    return stack.identity.RespondToDelegation(ipb.RespondToDelegationRequest(
        delegation_id=invited.delegation_id, accept=True), metadata=stack.patient(caregiver), timeout=10)


def switched(stack, caregiver: str, helped: str) -> list[tuple[str, str]]:
    token = stack.identity.SwitchProfile(ipb.SwitchProfileRequest(patient_id=helped),
                                         metadata=stack.patient(caregiver), timeout=10)
    return [("authorization", f"Bearer {token.access_token}")]


def listed(stack, metadata, patient_id: str) -> list[str]:
    reply = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient_id), metadata=metadata, timeout=10)
    return [d.document_id for d in reply.documents]


def test_the_caregiver_acts_with_her_switched_token_until_she_is_revoked(stack):
    helped, caregiver = stack.new_patient(age=80), stack.new_patient(age=45)
    own = stack.upload(stack.patient(helped), TEXT, patient_id=helped, title="Ordonnance",
                       category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
    delegation = caregiving(stack, helped, caregiver)
    metadata = switched(stack, caregiver, helped)
    claims = jwt.decode(metadata[0][1].split()[1], options={"verify_signature": False})
    assert (claims["sub"], claims["act"]["sub"], claims["act"]["delegation"]) == (helped, caregiver, "CAREGIVING")
    assert listed(stack, metadata, helped) == [own.document_id]
    stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=helped, document_id=own.document_id), metadata=metadata,
                           timeout=10)
    [record] = stack.records_about(helped, own.document_id, apb.ACTION_READ)
    assert (record.actor.id, record.actor.on_behalf_of, record.decision) == (caregiver, helped, apb.DECISION_ALLOWED)

    stack.identity.RevokeDelegation(ipb.RevokeDelegationRequest(delegation_id=delegation.delegation_id),
                                    metadata=stack.patient(helped), timeout=10)
    with pytest.raises(grpc.RpcError) as refused:
        listed(stack, metadata, helped)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as no_more:
        switched(stack, caregiver, helped)
    assert no_more.value.code() == grpc.StatusCode.PERMISSION_DENIED
