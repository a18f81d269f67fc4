from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

CREATED, ACTIVE, OPPOSED, CLOSED = "CREATED", "ACTIVE", "OPPOSED", "CLOSED"
ANNOUNCED = "PENDING"   # account status: announced by the opt-out feed, no space yet (not the delegation state)


@dataclass(frozen=True)
class Account:
    account_id: str
    nir: str
    vitale_serial: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str                      # "F" or "M"
    email: str | None
    phone: str | None
    postal_address: str | None
    status: str
    legal_representative_account_id: str | None
    created_at: datetime
    activated_at: datetime | None
    login_id: str | None = None   # display form, from the credentials
    # From the accepted delegations (repository.get_account): who acts for this person.
    legal_representative_ids: tuple[str, ...] = ()
    caregiver_ids: tuple[str, ...] = ()
    creation_due_at: datetime | None = None   # ANNOUNCED: when the space is created without an answer

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


LEGAL_REPRESENTATION, CAREGIVING = "LEGAL_REPRESENTATION", "CAREGIVING"
PENDING, ACCEPTED, REFUSED, EXPIRED, REVOKED, ENDED = "PENDING", "ACCEPTED", "REFUSED", "EXPIRED", "REVOKED", "ENDED"
# Why a delegation ended (ended_reason)
BY_REVOCATION, END_DATE, MAJORITY, UNUSED, ACCOUNT_CLOSED = "REVOKED", "END_DATE", "MAJORITY", "UNUSED", "ACCOUNT_CLOSED"


@dataclass(frozen=True)
class Delegation:
    delegation_id: str
    type: str
    delegator_id: str
    delegate_id: str
    state: str                    # as stored: a PENDING row past expires_at reads as EXPIRED (state_on)
    created_at: datetime
    invited_by_id: str | None = None
    expires_at: datetime | None = None
    answered_at: datetime | None = None
    ends_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by_id: str | None = None
    ended_reason: str | None = None
    last_used_at: datetime | None = None
    end_reminded_at: datetime | None = None

    def state_on(self, now: datetime) -> str:
        if self.state == PENDING and self.expires_at is not None and self.expires_at <= now:
            return EXPIRED
        if self.state == ACCEPTED and self.ends_at is not None and self.ends_at <= now:
            return EXPIRED
        return self.state

    def in_force(self, now: datetime) -> bool:
        return self.state_on(now) == ACCEPTED

    def open_on(self, now: datetime) -> bool:
        """Pending or in force: counts against the limits and blocks a duplicate."""
        return self.state_on(now) in (PENDING, ACCEPTED)


@dataclass(frozen=True)
class Attestation:
    """A caregiving attestation (PDF "justificatif", DOMAIN §3.4) waiting to be saved by documents."""
    attestation_id: str
    delegation_id: str
    patient_id: str               # the person helped
    kind: str                     # ACCEPTED | ENDED
    title: str
    content: bytes                # application/pdf
    occurred_at: datetime


@dataclass(frozen=True)
class Professional:
    professional_id: str
    rpps: str
    profession_code: str
    given_name: str
    family_name: str
    specialty: str
    email: str | None
    mssante_address: str | None
    samu_regulator: bool
    occupational_medicine: bool
    insurer_doctor: bool
    login_id: str | None = None
    city: str = ""


@dataclass(frozen=True)
class Credential:
    login_id: str                 # lower-cased key
    display_login_id: str
    subject_type: str             # "patient" | "professional"
    subject_id: str
    password_hash: str
    email: str


@dataclass(frozen=True)
class Throttle:
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    login_id: str
    code_hash: str
    expires_at: datetime
    failed_attempts: int
    consumed_at: datetime | None


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    family_id: str
    subject_type: str
    subject_id: str
    expires_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None


# ---- the patient's access settings (DOMAIN §2.4, §3.1, §3.2) ----
MEDECIN_TRAITANT, SAGE_FEMME_REFERENTE, PHARMACIEN_CORRESPONDANT = (
    "MEDECIN_TRAITANT", "SAGE_FEMME_REFERENTE", "PHARMACIEN_CORRESPONDANT")
# How a professional joined the care team (DOMAIN §10.2).
ADDED_BY_PATIENT, DECLARED_BY_PROFESSIONAL = "ADDED_BY_PATIENT", "DECLARED_BY_PROFESSIONAL"
# A role the patient tags a care-team member with, and the TRE_G15 profession it needs.
CARE_TEAM_ROLE_PROFESSIONS = {MEDECIN_TRAITANT: "10", SAGE_FEMME_REFERENTE: "50", PHARMACIEN_CORRESPONDANT: "21"}


@dataclass(frozen=True)
class EmergencySettings:
    samu_access: bool = True             # ETREAT: the SAMU regulator, without a reason
    break_glass: bool = True             # BTG: any PS, with a written justification
    masked_in_emergency: bool = True     # MASKED: emergency PSs also see masked documents

    def normalised(self) -> "EmergencySettings":
        """MASKED is forced off when ETREAT and BTG are both off (DOMAIN §3.2)."""
        masked = self.masked_in_emergency and (self.samu_access or self.break_glass)
        return EmergencySettings(self.samu_access, self.break_glass, masked)


@dataclass(frozen=True)
class CareTeamMember:
    professional_id: str
    role: str                            # "" or one of CARE_TEAM_ROLE_PROFESSIONS
    administrator: bool                  # sees masked documents, may block other PSs
    since: datetime
    source: str = ADDED_BY_PATIENT       # or DECLARED_BY_PROFESSIONAL


@dataclass(frozen=True)
class AccessSettings:
    patient_id: str
    blocked_professional_ids: tuple[str, ...]
    care_team: tuple[CareTeamMember, ...]
    emergency: EmergencySettings
    mask_new_documents_by_default: bool

    def administrator_ids(self) -> frozenset[str]:
        return frozenset(m.professional_id for m in self.care_team if m.administrator)


@dataclass(frozen=True)
class AccessContext:
    """Everything the documents service's access decision needs from identity, in one read."""

    settings: AccessSettings
    professional: Professional | None
    patient_is_minor: bool
    legal_representative_account_ids: tuple[str, ...]
    caregiver_account_ids: tuple[str, ...]
    patient: Account | None = None          # names and birth date: documents checks a break-glass identity
    general_practitioners: tuple[GeneralPractitionerContact, ...] = ()
    delegate_display_names: dict[str, str] = field(default_factory=dict)
    patient_space_closed: bool = False      # archived: nobody reads it (documents answers PROFILE_CLOSED)
    app_grant: Any = None                   # catalogue_models.AppGrant when an app's request was named
    version: str = ""                       # context_versions: "" when not to be kept (an app's request)


@dataclass(frozen=True)
class GeneralPractitionerContact:
    """A médecin traitant of the patient and where an emergency access is emailed to them (DOMAIN §3.2)."""
    professional_id: str
    notification_address: str               # MSSanté address, else email; "" when neither is known


@dataclass(frozen=True)
class AuditedAccess:
    """What identity learns from audit of one record of a patient's activity history."""
    record_id: str
    patient_id: str
    actor_type: str               # audit.v1 ActorType name, e.g. "HEALTHCARE_PROFESSIONAL"
    actor_id: str
    rpps: str
    profession_code: str
    occurred_at: datetime


@dataclass(frozen=True)
class AccessReport:
    """A patient's report of a suspicious access (SIGNALEMENT_PS)."""
    report_id: str
    patient_id: str
    record_id: str
    professional_id: str
    rpps: str
    profession_code: str
    accessed_at: datetime
    comment: str
    professional_blocked: bool
    reported_by_type: str         # patient | delegate
    reported_by_id: str
    created_at: datetime


@dataclass(frozen=True)
class Opposition:
    account_id: str
    channel: str              # ONLINE | PHONE
    operator_id: str | None
    recorded_at: datetime
    reference: str
    proof_pdf: bytes
