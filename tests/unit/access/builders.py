"""Builders for the access-decision tests: one place that says what a 'typical' input is."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from documents.adapters.matrix_file import load_matrix
from documents.domain.access import (Actor, ActorType, AuthorType, DelegationType, DocumentAttrs,
                                     PatientSettings)

MATRIX = load_matrix()           # the packaged matrix, as the composition root reads it
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=timezone.utc)
PATIENT_ID = "patient-jacqueline"
OTHER_PATIENT_ID = "patient-other"
AUTHOR_ID = "ps-author"
GP_ID = "ps-gp"
CONSULTATION = "11488-4"          # CR ou fiche de consultation ou de visite: every column but 26/28
LAB_REPORT = "11502-2"            # CR d'examens biologiques
# The professionals of these tests are in the patient's care team unless a test says otherwise
# (normal-mode reads need it, DOMAIN §10.2); "ps-stranger" never is.
STRANGER_ID = "ps-stranger"
CARE_TEAM = frozenset({AUTHOR_ID, GP_ID, "ps-other", "ps-optician", "ps-opt", "ps-er", "ps-samu", "ps-samu-nurse", "x"})


def patient(account_id: str = PATIENT_ID) -> Actor:
    return Actor(type=ActorType.PATIENT, id=account_id)


def professional(professional_id: str = GP_ID, profession_code: str = "10", **flags) -> Actor:
    return Actor(type=ActorType.PROFESSIONAL, id=professional_id, profession_code=profession_code,
                 rpps="10101234567", **flags)


def delegate(delegation_type: DelegationType | None = DelegationType.CAREGIVING, *,
             on_behalf_of: str = PATIENT_ID, account_id: str = "delegate-1") -> Actor:
    return Actor(type=ActorType.DELEGATE, id=account_id, on_behalf_of=on_behalf_of,
                 delegation_type=delegation_type)


def settings(**overrides) -> PatientSettings:
    return PatientSettings(**{"patient_id": PATIENT_ID, "care_team_ids": CARE_TEAM, **overrides})


def document(type_code: str = CONSULTATION, *, class_code: str = "10",
             author_type: AuthorType = AuthorType.PROFESSIONAL, author_id: str = AUTHOR_ID,
             deposited_at: datetime = NOW - timedelta(days=3), **overrides) -> DocumentAttrs:
    return DocumentAttrs(**{"document_id": "doc-1", "patient_id": PATIENT_ID, "type_code": type_code,
                            "class_code": class_code, "author_type": author_type, "author_id": author_id,
                            "deposited_at": deposited_at, **overrides})
