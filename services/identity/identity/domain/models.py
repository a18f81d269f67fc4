from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

CREATED, ACTIVE, OPPOSED, CLOSED = "CREATED", "ACTIVE", "OPPOSED", "CLOSED"


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
