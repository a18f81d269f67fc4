"""The explicit inputs and the output of the access decision (frozen, no I/O, no framework)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ActorType(StrEnum):
    """Same values as the `act` claim of access tokens (meskit.auth)."""

    PATIENT = "patient"
    PROFESSIONAL = "professional"
    DELEGATE = "delegate"
    SUPPORT = "support"
    OPERATOR = "operator"
    SERVICE = "service"
    APP = "app"                 # a connected app: writes documents within its consents, reads none


class DelegationType(StrEnum):
    LEGAL_REPRESENTATION = "LEGAL_REPRESENTATION"   # a minor's legal representative (DOMAIN §3.3)
    CAREGIVING = "CAREGIVING"                       # proche aidant (DOMAIN §3.4)


class Mode(StrEnum):
    """CI-SIS access modes (JDV_J38, DOMAIN §3.1)."""

    NORMAL = "normal"
    BRIS_DE_GLACE = "bris_de_glace"   # break-glass: any PS, written justification, unless opposed
    CENTRE_15 = "centre_15"           # SAMU regulating doctor, no justification, unless opposed


class AuthorType(StrEnum):
    """Who filed a document (DOMAIN §2.3 `sourceAuthor`, plus delegates)."""

    PATIENT = "patient"
    DELEGATE = "delegate"
    PROFESSIONAL = "professional"
    ORGANISATION = "organisation"     # health facility, insurer (REMB), MES itself
    DEVICE = "device"                 # DISPOSITIF


@dataclass(frozen=True, kw_only=True)
class Actor:
    type: ActorType
    id: str                                          # account id, professional id or service name
    profession_code: str = ""                        # TRE_G15, professionals only
    rpps: str = ""
    samu_regulator: bool = False
    occupational_medicine: bool = False
    insurer_doctor: bool = False
    on_behalf_of: str = ""                           # the patient, delegates only
    delegation_type: DelegationType | None = None    # delegates only


@dataclass(frozen=True, kw_only=True)
class PatientSettings:
    patient_id: str
    blocked_professional_ids: frozenset[str] = frozenset()
    care_team_ids: frozenset[str] = frozenset()
    administrator_ids: frozenset[str] = frozenset()   # PSs made "administrateur" (see masked documents)
    samu_access: bool = True                           # ETREAT, on by default (DOMAIN §3.2)
    break_glass: bool = True                           # BTG, on by default
    masked_in_emergency: bool = True                   # MASKED, on by default
    mask_new_documents_by_default: bool = False
    patient_is_minor: bool = False

    @property
    def effective_masked_in_emergency(self) -> bool:
        """MASKED is forced off when ETREAT and BTG are both off (DOMAIN §3.2)."""
        return self.masked_in_emergency and (self.samu_access or self.break_glass)


@dataclass(frozen=True, kw_only=True)
class DocumentAttrs:
    document_id: str
    patient_id: str
    type_code: str
    class_code: str
    author_type: AuthorType
    author_id: str
    deposited_at: datetime
    masked_from_professionals: bool = False                # MASQUE_PS
    invisible_to_patient_until: datetime | None = None     # INVISIBLE_PATIENT until the announcement visit
    invisible_to_legal_representatives: bool = False       # INVISIBLE_REPRESENTANTS_LEGAUX
    deleted: bool = False

    def __post_init__(self) -> None:
        for name in ("deposited_at", "invisible_to_patient_until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"DocumentAttrs.{name} must be timezone-aware")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str      # stable snake_case name of the rule that decided; goes into the audit record
    reason: str    # one sentence for logs and the audit trail (no health data)
