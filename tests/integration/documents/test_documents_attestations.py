"""Caregiving attestations (DOMAIN §3.4) collected from a real identity by documents' background pass:
each lands once in the Documents of the person helped (two replicas collecting at the same time, a
retry), filed by "Mon espace santé", hidden from professionals, audited in her history, not announced;
the person and her caregiver list and download it, a professional of her care team does not see it.
Identity down: the pass fails quietly and the next one collects."""
from __future__ import annotations

import logging

import grpc
import pytest
import sqlalchemy as sa
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.eventually import eventually
from documents_harness import sha256
from test_documents_delegate_token import caregiving, listed, switched

FAST = 0.05


def pending(stack) -> list[ipb.Attestation]:
    return list(stack.identity.ListPendingAttestations(ipb.ListPendingAttestationsRequest(),
                                                       metadata=stack.service("documents"), timeout=10).attestations)


def of(stack, helped: str) -> list[ipb.Attestation]:
    return [a for a in pending(stack) if a.patient_id == helped]


def documents_of(stack, helped: str) -> list[pb.Document]:
    return list(stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=helped), metadata=stack.patient(helped),
                                         timeout=10).documents)


@pytest.fixture
def replicas(stack):
    """Two more documents replicas collecting every FAST seconds, started by the test when it wants."""
    stops = []

    def start(count: int = 2) -> None:
        for _ in range(count):
            stops.append(stack.start_documents_replica(attestations_interval=FAST)[1])
    yield start
    for stop in stops:
        stop()


def test_each_attestation_is_filed_once_for_the_person_and_her_caregiver_only(stack, replicas):
    helped, caregiver = stack.new_patient(age=80), stack.new_patient(age=45)
    professional = stack.new_professional("10")
    stack.add_to_care_team(helped, professional)
    delegation = caregiving(stack, helped, caregiver)
    [accepted] = of(stack, helped)

    replicas(2)          # collecting side by side
    eventually(lambda: not of(stack, helped), what="the attestation acknowledged")
    [document] = documents_of(stack, helped)
    assert document.document_id == accepted.attestation_id
    assert (document.title, document.type_code, document.class_code, document.category) == (
        accepted.title, "59284-0", "95", pb.DOCUMENT_CATEGORY_DOC_ADM)
    assert (document.author.type, document.author.display_name, document.author.organisation_type) == (
        pb.AUTHOR_TYPE_ORGANISATION, "Mon espace santé", "MON_ESPACE_SANTE")
    assert document.visibility.masked and document.content_type == "application/pdf"
    assert not document.permissions.can_delete      # filed by Mon espace santé: read-only for her side
    _, data = stack.download(stack.patient(helped), helped, document.document_id)
    assert data == accepted.content and document.sha256 == sha256(data)

    acting = switched(stack, caregiver, helped)
    assert listed(stack, acting, helped) == [document.document_id]
    _, seen = stack.download(acting, helped, document.document_id)
    assert seen == accepted.content

    assert listed(stack, stack.professional(professional), helped) == []
    with pytest.raises(grpc.RpcError) as hidden:
        stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=helped, document_id=document.document_id),
                               metadata=stack.professional(professional), timeout=10)
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND

    [deposited] = stack.records_about(helped, document.document_id, apb.ACTION_CREATE)
    assert (deposited.actor.type, deposited.actor.id, deposited.actor.display_name, deposited.rule,
            deposited.resource_label) == (apb.ACTOR_TYPE_SYSTEM, "documents", "Mon espace santé",
                                          "caregiving_attestation", accepted.title)
    assert stack.published(helped, "AJOUT_DOCUMENT") == []     # identity's ACCORD_PARTAGE_PROFIL told her

    # a retry (filed, but the acknowledgement was lost: identity lists it again): nothing is filed twice
    engine = sa.create_engine(stack.urls["identity"])
    with engine.begin() as c:
        c.execute(sa.text("UPDATE attestations SET acknowledged_at = NULL, content = :c WHERE attestation_id = :a"),
                  {"a": accepted.attestation_id, "c": accepted.content})
    engine.dispose()
    eventually(lambda: not of(stack, helped), what="the attestation acknowledged again")

    stack.identity.RevokeDelegation(ipb.RevokeDelegationRequest(delegation_id=delegation.delegation_id),
                                    metadata=stack.patient(helped), timeout=10)
    eventually(lambda: len(documents_of(stack, helped)) == 2, what="the end's attestation filed")
    eventually(lambda: not of(stack, helped), what="the end's attestation acknowledged")
    titles = sorted(d.title for d in documents_of(stack, helped))
    assert [t.split(" - ")[0] for t in titles] == ["Attestation d'accès aidant", "Attestation de fin d'accès aidant"]
    assert len(stack.records_about(helped, document.document_id, apb.ACTION_CREATE)) == 1


def test_identity_down_the_pass_fails_quietly_and_the_next_one_collects(stack, replicas, caplog):
    helped, caregiver = stack.new_patient(age=80), stack.new_patient(age=45)
    caregiving(stack, helped, caregiver)
    stack.stop("identity")
    try:
        with caplog.at_level(logging.WARNING, logger="documents.attestations"):
            replicas(1)
            eventually(lambda: any("identity unavailable" in r.getMessage() for r in caplog.records),
                       what="a failed pass logged")
        assert not any(r.exc_info for r in caplog.records if r.name == "documents.attestations")
    finally:
        stack.start("identity")

    def collected() -> bool:
        try:
            return len(documents_of(stack, helped)) == 1 and not of(stack, helped)
        except grpc.RpcError as exc:         # the channels to identity reconnect after a backoff
            if exc.code() == grpc.StatusCode.UNAVAILABLE:
                raise AssertionError("identity not reachable yet") from exc
            raise
    eventually(collected, timeout=60, interval=0.2, what="the attestation collected once identity is back")
