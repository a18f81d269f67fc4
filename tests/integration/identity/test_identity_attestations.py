"""Caregiving attestations over real gRPC (DOMAIN §3.4): accepting a caregiving and ending it each
leave one PDF for the documents service to collect (ListPendingAttestations), until it acknowledges
it (AcknowledgeAttestations); refusals, withdrawn invitations and legal representations leave none;
only documents' service token may ask."""
from __future__ import annotations

import io
from datetime import date, datetime

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb
from pypdf import PdfReader

from meskit.auth import OPERATOR, PATIENT, SERVICE, Caller
from meskit.pdf import PARIS, french_date
from test_identity_delegations import LEGAL, People, fails  # noqa: F401  (People: the fixture below)

DOCUMENTS = Caller(SERVICE, "documents")


@pytest.fixture
def people(identity) -> People:
    return People(identity)


def pending(identity, limit: int = 0, caller: Caller = DOCUMENTS) -> list[pb.Attestation]:
    return list(identity.stub.ListPendingAttestations(pb.ListPendingAttestationsRequest(limit=limit),
                                                      metadata=identity.as_(caller)).attestations)


def acknowledge(identity, ids: list[str], caller: Caller = DOCUMENTS) -> int:
    return identity.stub.AcknowledgeAttestations(pb.AcknowledgeAttestationsRequest(attestation_ids=ids),
                                                 metadata=identity.as_(caller)).acknowledged


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join((page.extract_text() or "") for page in reader.pages).replace("\n", " ")


class TestAttestations:
    def test_acceptance_and_revocation_each_leave_one_pdf_until_acknowledged(self, identity, people):
        helped = people.new("Jacqueline", "Lefèvre", "1946-03-01")
        caregiver = people.new("Paul", "Martin", "1985-02-03")
        invited = people.invite(helped, caregiver)
        assert pending(identity) == []
        accepted = people.respond(caregiver, invited.delegation_id)
        [first] = pending(identity)
        assert (first.patient_id, first.delegation_id, first.kind) == (helped, invited.delegation_id, "ACCEPTED")
        assert first.title == "Attestation d'accès aidant - Paul Martin"
        assert first.occurred_at.ToDatetime() == accepted.answered_at.ToDatetime()
        assert first.content.startswith(b"%PDF-")
        text = text_of(first.content)
        for expected in ("Attestation d'accès aidant", "Jacqueline Lefèvre", "née le 1er mars 1946", "Paul Martin",
                         french_date(datetime.now(PARIS).date()), "ne peut pas", "Mon espace santé"):
            assert expected in text, (expected, text)

        people.revoke(helped, invited.delegation_id)
        assert [a.kind for a in pending(identity)] == ["ACCEPTED", "ENDED"]     # oldest first
        ended = pending(identity)[1]
        assert ended.title == "Attestation de fin d'accès aidant - Paul Martin"
        assert "la personne aidée a mis fin à l'accès" in text_of(ended.content)
        assert [a.attestation_id for a in pending(identity, limit=1)] == [first.attestation_id]

        assert acknowledge(identity, [first.attestation_id, "unknown-id"]) == 1
        assert [a.attestation_id for a in pending(identity)] == [ended.attestation_id]
        assert acknowledge(identity, [first.attestation_id, ended.attestation_id]) == 1   # idempotent
        assert pending(identity) == [] and acknowledge(identity, []) == 0
        assert people.sql("SELECT count(*) FROM attestations WHERE content <> ''::bytea")[0][0] == 0   # PDFs dropped

    def test_the_caregiver_ending_her_own_access_is_the_reason_written(self, identity, people):
        helped, caregiver = people.new("Jacqueline", "Roux"), people.new("Paul", "Roux", "1985-02-03")
        invited = people.invite(helped, caregiver)
        people.respond(caregiver, invited.delegation_id)
        people.revoke(caregiver, invited.delegation_id)
        ended = pending(identity)[-1]
        assert ended.kind == "ENDED" and "l'aidant a mis fin à son accès" in text_of(ended.content)

    def test_refusals_withdrawn_invitations_and_legal_representations_leave_none(self, identity, people):
        helped = people.new("Jacqueline", "Blanc")
        refused, withdrawn = people.new("Paul", "Blanc", "1985-02-03"), people.new("Anne", "Blanc", "1987-06-07")
        people.respond(refused, people.invite(helped, refused).delegation_id, accept=False)
        people.revoke(helped, people.invite(helped, withdrawn).delegation_id)
        mother, father = people.new("Claire", "Petit", "1985-04-04"), people.new("Marc", "Petit", "1984-03-03")
        child = people.new("Léa", "Petit", date(date.today().year - 8, 3, 1).isoformat(), activated=False,
                           legal_representative_account_id=mother)
        second = people.invite(mother, father, type_=LEGAL, patient_id=child)
        people.respond(father, second.delegation_id)
        people.revoke(mother, second.delegation_id)
        assert pending(identity) == []


class TestCallers:
    def test_only_documents_service_token_lists_and_acknowledges(self, identity):
        for caller in (Caller(SERVICE, "messaging"), Caller(PATIENT, "someone"), Caller(OPERATOR, "op")):
            fails(lambda: pending(identity, caller=caller), grpc.StatusCode.PERMISSION_DENIED,
                  "NOT_THE_DOCUMENTS_SERVICE")
            fails(lambda: acknowledge(identity, ["x"], caller=caller), grpc.StatusCode.PERMISSION_DENIED,
                  "NOT_THE_DOCUMENTS_SERVICE")
        fails(lambda: identity.stub.ListPendingAttestations(pb.ListPendingAttestationsRequest()),
              grpc.StatusCode.UNAUTHENTICATED)

    def test_bad_limits_and_too_many_ids_are_refused(self, identity):
        for limit in (-1, 101):
            fails(lambda: pending(identity, limit=limit), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_LIMIT")
        assert pending(identity, limit=1) == [] and pending(identity, limit=100) == []
        fails(lambda: acknowledge(identity, [f"id-{n}" for n in range(101)]), grpc.StatusCode.INVALID_ARGUMENT)
