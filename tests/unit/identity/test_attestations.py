"""The caregiving attestation PDF (DOMAIN §3.4): what it says for each way a caregiving ends, the
Paris date, and one id per change."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader

from identity.domain import attestations
from identity.domain.models import (ACCOUNT_CLOSED, BY_REVOCATION, END_DATE, ENDED, UNUSED, Account, Delegation)

NOW = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)      # 2 March 00:30 in Paris


def account(account_id: str, given: str, family: str, sex: str, birth: date) -> Account:
    return Account(account_id=account_id, nir="", vitale_serial="", given_name=given, family_name=family,
                   birth_date=birth, sex=sex, email=None, phone=None, postal_address=None, status="ACTIVE",
                   legal_representative_account_id=None, created_at=NOW, activated_at=NOW)


HELPED = account("h", "Jacqueline", "Lefèvre", "F", date(1946, 3, 1))
CAREGIVER = account("c", "Sophie", "Martin", "F", date(1980, 7, 14))


def text(kind: str, delegation: Delegation) -> str:
    content = attestations.render(kind, delegation, HELPED, CAREGIVER, NOW, "ref")
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\n", " ")


def ended(reason: str, by: str | None = None) -> Delegation:
    return Delegation(delegation_id="d", type="CAREGIVING", delegator_id="h", delegate_id="c", state=ENDED,
                      created_at=NOW, ended_at=NOW, ended_by_id=by, ended_reason=reason)


class TestContent:
    def test_an_acceptance_names_both_people_the_paris_date_and_the_scope(self):
        said = text(attestations.ACCEPTED, Delegation(delegation_id="d", type="CAREGIVING", delegator_id="h",
                                                      delegate_id="c", state="ACCEPTED", created_at=NOW))
        for expected in ("Attestation d'accès aidant", "Jacqueline Lefèvre, née le 1er mars 1946",
                         "Aidante : Sophie Martin", "2 mars 2026 à 0 h 30", "peut :", "ne peut pas :",
                         "clôture de l'espace"):
            assert expected in said, (expected, said)

    @pytest.mark.parametrize(("delegation", "reason"), [
        (ended(BY_REVOCATION, "h"), "la personne aidée a mis fin à l'accès"),
        (ended(BY_REVOCATION, "c"), "l'aidant a mis fin à son accès"),
        (ended(END_DATE), "la date de fin de l'accès est atteinte"),
        (ended(UNUSED), "l'accès n'a pas été utilisé depuis cinq ans"),
        (ended(ACCOUNT_CLOSED), "l'espace Mon espace santé de la personne aidée a été clôturé"),
    ], ids=["by-the-person", "by-the-caregiver", "end-date", "unused", "closed"])
    def test_an_end_says_why(self, delegation, reason):
        said = text(attestations.ENDED, delegation)
        assert "Attestation de fin d'accès aidant" in said and f"Motif : {reason}." in said


class TestIds:
    def test_one_id_per_delegation_kind_and_moment(self):
        one = attestations.attestation_id("d", "ENDED", NOW)
        assert one == attestations.attestation_id("d", "ENDED", NOW)
        assert one != attestations.attestation_id("d", "ACCEPTED", NOW)
        assert one != attestations.attestation_id("e", "ENDED", NOW)

    def test_a_legal_representation_records_nothing(self):
        class NoRepository:
            def __getattr__(self, name):
                raise AssertionError(f"the repository was used: {name}")
        legal = Delegation(delegation_id="d", type="LEGAL_REPRESENTATION", delegator_id="h", delegate_id="c",
                           state="REVOKED", created_at=NOW)
        attestations.record(NoRepository(), legal, attestations.ENDED, NOW)
