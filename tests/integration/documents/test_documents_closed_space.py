"""A closed space (identity's CloseAccount, DOMAIN §4.4) through documents: the patient, professionals
and former delegates are refused every read, listing, deposit and change with FAILED_PRECONDITION
PROFILE_CLOSED "Profil clôturé", the same for every document id, each attempt audited; a patient of
another space keeps the answer she gets anywhere else."""
from __future__ import annotations

import time

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

import documents_harness
from documents_harness import PASSWORD, error_reason, nir
from devtools.eventually import eventually
from documents_samples import TEXT

CLOSED = grpc.StatusCode.FAILED_PRECONDITION


def holder(stack, *, age: int = 40, legal_representative: str = "") -> tuple[str, ipb.Account]:
    """An account activated with a login id and password (so that she closes with it)."""
    n = next(documents_harness._serial)
    birth = f"{time.gmtime().tm_year - age}-02-{1 + n % 27:02d}"
    fields = dict(nir=nir("2", birth, 500 + n % 500), vitale_serial=f"{41000000000 + n}", given_name="Alice",
                  family_name=f"Closed{n}", birth_date=birth, sex=ipb.SEX_FEMALE)
    created = stack.identity.CreateAccount(ipb.CreateAccountRequest(
        **fields, legal_representative_account_id=legal_representative), metadata=stack.operator, timeout=10)
    if age >= 18:
        stack.identity.ActivateAccount(ipb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=fields["nir"], vitale_serial=fields["vitale_serial"],
            login_id=f"closed-{n:05d}", password=PASSWORD, email=f"closed{n}@example.org", accept_terms=True),
            timeout=10)
    return created.account.account_id, created.account


def close(stack, metadata, account_id: str = "me") -> None:
    stack.identity.CloseAccount(ipb.CloseAccountRequest(account_id=account_id, password=PASSWORD),
                                metadata=metadata, timeout=10)


def refused_closed(call) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert (caught.value.code(), error_reason(caught.value), caught.value.details()) == (
        CLOSED, "PROFILE_CLOSED", "Profil clôturé")


def closed_records(stack, patient_id: str) -> list[apb.Record]:
    return [r for r in stack.records(patient_id) if r.rule == "profile_closed"]


def test_the_patient_and_professionals_are_refused_everything_on_a_closed_space(stack):
    patient, _ = holder(stack)
    doctor = stack.new_professional("10")
    stack.add_to_care_team(patient, doctor)
    own = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="Ordonnance",
                       category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
    stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=own.document_id),
                           metadata=stack.professional(doctor), timeout=10)

    close(stack, stack.patient(patient))

    me, pro = stack.patient(patient), stack.professional(doctor)
    for metadata in (me, pro):
        refused_closed(lambda: stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient),
                                                        metadata=metadata, timeout=10))
        for document_id in (own.document_id, "00000000-0000-0000-0000-000000000000"):   # the same for every id
            refused_closed(lambda: stack.docs.GetDocument(pb.GetDocumentRequest(
                patient_id=patient, document_id=document_id), metadata=metadata, timeout=10))
        refused_closed(lambda: stack.download(metadata, patient, own.document_id))
        refused_closed(lambda: stack.upload(metadata, TEXT, patient_id=patient, title="Nouveau",
                                            category=pb.DOCUMENT_CATEGORY_AUTR_DOC, type_code="11488-4"))
    refused_closed(lambda: stack.docs.UpdateDocument(pb.UpdateDocumentRequest(
        patient_id=patient, document_id=own.document_id, title="Autre titre"), metadata=me, timeout=10))
    refused_closed(lambda: stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
        patient_id=patient, document_id=own.document_id, masked=True), metadata=me, timeout=10))
    refused_closed(lambda: stack.docs.MaskAllDocuments(pb.MaskAllDocumentsRequest(patient_id=patient, masked=True),
                                                       metadata=me, timeout=10))
    refused_closed(lambda: stack.docs.DeleteDocument(pb.DeleteDocumentRequest(
        patient_id=patient, document_id=own.document_id), metadata=me, timeout=10))
    refused_closed(lambda: stack.docs.ListFolders(pb.ListFoldersRequest(patient_id=patient), metadata=me, timeout=10))

    assert stack.rows(patient) == 1                           # archived as it was
    records = eventually(lambda: (lambda found: found if len(found) >= 14 else None)(closed_records(stack, patient)),
                         what="every refused attempt audited")
    assert {r.decision for r in records} == {apb.DECISION_DENIED}
    assert {r.actor.id for r in records} == {patient, doctor.professional_id}
    assert {r.action for r in records} >= {apb.ACTION_LIST, apb.ACTION_READ, apb.ACTION_DOWNLOAD, apb.ACTION_CREATE,
                                           apb.ACTION_UPDATE, apb.ACTION_VISIBILITY_CHANGE, apb.ACTION_DELETE}

    # a patient of another space is told what she is told of any other space: nothing of this one's closure
    stranger, _ = holder(stack)
    with pytest.raises(grpc.RpcError) as caught:
        stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.patient(stranger),
                                 timeout=10)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_the_other_legal_representative_is_refused_at_her_next_request(stack):
    first, _ = holder(stack)
    second, second_account = holder(stack)
    child, _ = holder(stack, age=8, legal_representative=first)
    invited = stack.identity.CreateDelegation(ipb.CreateDelegationRequest(
        patient_id=child, type=ipb.DELEGATION_TYPE_LEGAL_REPRESENTATION, delegate_family_name=second_account.family_name,
        delegate_given_name=second_account.given_name, delegate_birth_date=second_account.birth_date),
        metadata=stack.patient(first), timeout=10)
    stack.identity.RespondToDelegation(ipb.RespondToDelegationRequest(delegation_id=invited.delegation_id, accept=True),
                                       metadata=stack.patient(second), timeout=10)
    token = stack.identity.SwitchProfile(ipb.SwitchProfileRequest(patient_id=child), metadata=stack.patient(second),
                                         timeout=10)
    acting = [("authorization", f"Bearer {token.access_token}")]
    stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=child), metadata=acting, timeout=10)

    close(stack, stack.patient(first), account_id=child)      # the first representative, her own password

    refused_closed(lambda: stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=child), metadata=acting,
                                                    timeout=10))
    [record] = eventually(lambda: closed_records(stack, child) or None, what="the refusal audited")
    assert (record.actor.id, record.actor.on_behalf_of) == (second, child)
