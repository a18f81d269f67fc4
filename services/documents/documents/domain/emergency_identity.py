"""The patient's identity as a professional types it for an emergency access (DOMAIN §3.2).

Break-glass: "the PS records the patient's last name, first name, date of birth and the
justification". All three are required; they are compared with the account (names case- and
accent-insensitively, trimmed, inner spaces collapsed; the birth date exactly) and recorded with the
justification in the audit record. A mismatch is refused (FAILED_PRECONDITION) and audited as a
denied attempt; the answer never tells what the account holds.

SAMU - Centre 15: the regulator opens the record of the patient of a call "without giving a
reason", often before knowing who she is: the identity is not required. When the regulator types
it anyway, it is checked and recorded the same way (all three fields then). NORMAL mode ignores it.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from meskit.errors import FailedPrecondition, Violations

from documents.domain.access import ActorType, Decision, Mode
from documents.domain.actors import PatientIdentity, Who

PATIENT_IDENTITY_MISMATCH = "patient_identity_mismatch"
NAME_LIMIT = 100
FIELDS = {"family_name": "access.patient_family_name", "given_name": "access.patient_given_name",
          "birth_date": "access.patient_birth_date"}


@dataclass(frozen=True)
class TypedIdentity:
    family_name: str = ""
    given_name: str = ""
    birth_date: str = ""    # ISO 8601 YYYY-MM-DD

    def given(self) -> bool:
        return any(v.strip() for v in (self.family_name, self.given_name, self.birth_date))


def checked(mode: Mode, typed: TypedIdentity) -> bool:
    """Is the typed identity required (break-glass) or given in centre_15, hence checked and recorded?"""
    return mode == Mode.BRIS_DE_GLACE or (mode == Mode.CENTRE_15 and typed.given())


def validate(mode: Mode, typed: TypedIdentity) -> None:
    """INVALID_ARGUMENT naming every missing or malformed field (before anything is read or audited)."""
    if not checked(mode, typed):
        return
    v = Violations()
    for name, field in FIELDS.items():
        v.require(getattr(typed, name).strip(), field)
    for name in ("family_name", "given_name"):
        v.max_length(getattr(typed, name), FIELDS[name], NAME_LIMIT)
    if typed.birth_date.strip() and _date(typed.birth_date) is None:
        v.add(FIELDS["birth_date"], "date AAAA-MM-JJ attendue")
    v.raise_if_any("L'accès d'urgence demande l'identité du patient telle que vous la relevez : nom, prénom et "
                   "date de naissance (AAAA-MM-JJ)")


def refusal(w: Who, mode: Mode, typed: TypedIdentity) -> Decision | None:
    """The denied decision when a professional's typed identity is not the patient's; None when it is
    (or when nothing is to be checked). Without the account's identity nothing matches (fail closed)."""
    if w.actor.type != ActorType.PROFESSIONAL or not checked(mode, typed):
        return None
    if _matches(typed, w.context.patient_identity):
        return None
    return Decision(False, PATIENT_IDENTITY_MISMATCH,
                    "the patient's identity typed for the emergency access is not the account's (DOMAIN §3.2)")


def mismatch_error() -> FailedPrecondition:
    return FailedPrecondition("L'identité saisie (nom, prénom, date de naissance) ne correspond pas à ce profil : "
                              "vérifiez-la auprès du patient ou de ses documents", reason=PATIENT_IDENTITY_MISMATCH.upper())


def recorded_justification(mode: Mode, typed: TypedIdentity, justification: str) -> str:
    """What the audit record keeps: the identity as typed (when checked), then the justification."""
    if not checked(mode, typed):
        return justification
    identity = f"Identité saisie : {typed.family_name.strip()} / {typed.given_name.strip()} / {typed.birth_date.strip()}"
    return f"{identity}. {justification}" if justification.strip() else identity


def _matches(typed: TypedIdentity, account: PatientIdentity | None) -> bool:
    if account is None:
        return False
    born = _date(typed.birth_date)
    return (born is not None and born.isoformat() == account.birth_date
            and _name(typed.family_name) == _name(account.family_name)
            and _name(typed.given_name) == _name(account.given_name))


def _name(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _date(value: str) -> date | None:
    text = value.strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
