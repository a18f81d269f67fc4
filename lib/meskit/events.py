"""One envelope for the events that producers write to their outbox and notifications receives
with PublishEvent: event id, type, patient id, occurred_at, critical flag, the recipient snapshot
where needed (identity's account events) and a typed payload per event type.

`PAYLOADS` is the one definition of what each event type carries. It is checked when the event is
written to the outbox (`envelope`) and again when notifications receives it (`payload_from`): an
unknown type, or a field missing, unknown or of the wrong type, is an InvalidArgument naming it.
Payloads never carry health data: a notice says that a document arrived, not what it says.

In the outbox the envelope is one flat JSON object (the payload's fields, plus `patient_id`,
`occurred_at` and `recipient`): the rows written before the envelope existed read the same way.
"""
from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, get_type_hints

from meskit.errors import InvalidArgument, Violations

PAYLOAD_FIELD = "payload_json"


# ---- payloads, one per kind of event ----
@dataclass(frozen=True)
class ActorNotice:
    """A notice that names who did something (DOMAIN.md §8); the generic payload."""
    actor_display: str = ""


@dataclass(frozen=True)
class DocumentAdded:
    actor_display: str
    document_id: str = ""


@dataclass(frozen=True)
class ProfessionalAccess:
    """A professional opened the record; one notice per professional, mode and day."""
    actor_display: str
    professional_id: str = ""
    access_mode: str = "normal"


@dataclass(frozen=True)
class EmergencyAccess(ProfessionalAccess):
    """Break-glass or SAMU access: the patient's general practitioners are told too, by email to
    the addresses given (their MSSanté address, else their email)."""
    general_practitioner_ids: tuple[str, ...] = ()
    general_practitioner_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnnouncementReminder:
    """To the professional who hid a document from the patient until the announcement visit
    (DOMAIN.md §10.3): hold the visit before the document becomes visible on its own."""
    professional_id: str
    professional_email: str
    document_id: str = ""
    visible_from: datetime | None = None


@dataclass(frozen=True)
class CareConsentDeclared:
    """A professional declared that the patient consented, during care, to their access (DOMAIN.md §10.2)."""
    actor_display: str
    professional_id: str = ""


@dataclass(frozen=True)
class AccountCreated:
    """The opt-out creation notice: the code to activate with (a secret, erased once delivered)."""
    provisional_code: str
    provisional_code_expires_at: datetime | None = None
    opposition_deadline: datetime | None = None


@dataclass(frozen=True)
class MajorityReached:
    """To the young adult on her 18th birthday (RAPPEL_CONSENT_PASSAGE_MAJO): her legal
    representatives' access ended; a new code to activate her own access when she has none (a
    secret, erased once delivered), else empty."""
    provisional_code: str = ""
    provisional_code_expires_at: datetime | None = None


@dataclass(frozen=True)
class OppositionRecorded:
    """To the person who opposed the creation of her space (OPPOSITION_ENREGISTREE): the letter or
    mail is her proof, with the date and how she opposed ("en ligne" or "par téléphone")."""
    recorded_at: datetime | None = None
    channel: str = ""


@dataclass(frozen=True)
class SpaceSuspended:
    """To the holder (SUSPENSION_PROFIL): the operator suspended her space; it closes on `closes_on`
    unless she objects."""
    closes_on: datetime | None = None


@dataclass(frozen=True)
class SpaceClosed:
    """To the holder (CONFIRMATION_CLOTURE): her space is closed and archived; with a deletion
    request, its data are erased on `erase_on` unless she reopens it before."""
    erase_on: datetime | None = None


@dataclass(frozen=True)
class ExportReady:
    """To the holder (EXPORT_DISPONIBLE): the archive of her data can be downloaded until `expires_at`."""
    export_id: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class SynchronizedServices:
    """To the holder (SERVICES_SYNCHRONISES, every 90 days unless she turned it off): the names of
    the apps connected to her space, comma-separated, and when the list was drawn up."""
    app_names: str
    as_of: datetime | None = None


@dataclass(frozen=True)
class AccountChanged:
    """A fact about the person (activated, contact, links, closed): all of it is in the recipient."""


ACCOUNT_CREATED, ACCOUNT_ACTIVATED, CONTACT_CHANGED = "ACCOUNT_CREATED", "ACCOUNT_ACTIVATED", "CONTACT_CHANGED"
PROFILE_LINKS_CHANGED, ACCOUNT_CLOSED = "PROFILE_LINKS_CHANGED", "ACCOUNT_CLOSED"
AJOUT_DOCUMENT, ACCES_DMP_PS, ACCES_BRIS_GLACE = "AJOUT_DOCUMENT", "ACCES_DMP_PS", "ACCES_BRIS_GLACE"
RAPPEL_CONSULTATION_ANNONCE = "RAPPEL_CONSULTATION_ANNONCE"     # to a professional, not to the patient
DECLARATION_CONSENTEMENT_PS = "DECLARATION_CONSENTEMENT_PS"
ACCOUNT_EVENTS = (ACCOUNT_CREATED, ACCOUNT_ACTIVATED, CONTACT_CHANGED, PROFILE_LINKS_CHANGED, ACCOUNT_CLOSED)
# Server codes of DOMAIN.md §8 whose producers send only who acted.
ACTOR_NOTICES = (
    "MODIF_DOCUMENT", "SUPP_DOC", "CONSULT_DOCUMENT", "AJOUT_VACCINATION", "CONSULT_VACCINATION",
    *(f"COPIE_DOC_AJOUT_{m}" for m in ("GLYCEMIE", "HBA1C", "TAILLE", "POIDS", "PC")),
    "RECEPTION_MESSAGE", "REPONSE_SUPPORT", "RAPPEL_RDV_PREV", "RAPPEL_RDV_PREV_VACC", "RAPPEL_RDV_PREV_DEPIST",
    "RAPPEL_AGENDA", "RAPPEL_RDV_USAGER", "RAPPEL_MODIF_DA", "AJOUT_ENTOURAGE", "PRIMO_ALIM_MHS",
    "REMISE_VISIBILITE_AUTO", "PARTAGE_PROFIL_AIDANT", "ACCORD_PARTAGE_PROFIL", "REFUS_PARTAGE_PROFIL",
    "REVOCATION_PAR_AIDANT", "REVOCATION_PAR_AIDE", "RAPPEL_CONSENT_RL_PASSAGE_MAJO",
    # Project-owned codes (not in the ens-mobile list of DOMAIN.md §8): a caregiving's end date
    # (DOMAIN.md §10.5) set or changed, its end 14 days ahead, its end.
    "DATE_FIN_PARTAGE_PROFIL", "RAPPEL_FIN_PARTAGE_PROFIL", "FIN_PARTAGE_PROFIL",
    # Project-owned too: support created a legal representation, a space closed (told to who lost access).
    "AJOUT_REPRESENTANT_LEGAL", "CLOTURE_PROFIL")
RAPPEL_CONSENT_PASSAGE_MAJO = "RAPPEL_CONSENT_PASSAGE_MAJO"
# Project-owned codes of the space's life (DOMAIN.md §4): opposition, suspension, closure, export.
OPPOSITION_ENREGISTREE, SUSPENSION_PROFIL, FIN_SUSPENSION_PROFIL = (
    "OPPOSITION_ENREGISTREE", "SUSPENSION_PROFIL", "FIN_SUSPENSION_PROFIL")
CONFIRMATION_CLOTURE, EXPORT_DISPONIBLE = "CONFIRMATION_CLOTURE", "EXPORT_DISPONIBLE"
SERVICES_SYNCHRONISES = "SERVICES_SYNCHRONISES"       # NOTIF_SYNCHRONIZED_SERVICE, every 90 days

PAYLOADS: dict[str, type] = {
    AJOUT_DOCUMENT: DocumentAdded, ACCES_DMP_PS: ProfessionalAccess, ACCES_BRIS_GLACE: EmergencyAccess,
    RAPPEL_CONSULTATION_ANNONCE: AnnouncementReminder, DECLARATION_CONSENTEMENT_PS: CareConsentDeclared,
    ACCOUNT_CREATED: AccountCreated, **{t: AccountChanged for t in ACCOUNT_EVENTS[1:]},
    **{t: ActorNotice for t in ACTOR_NOTICES}, RAPPEL_CONSENT_PASSAGE_MAJO: MajorityReached,
    OPPOSITION_ENREGISTREE: OppositionRecorded, SUSPENSION_PROFIL: SpaceSuspended,
    FIN_SUSPENSION_PROFIL: ActorNotice, CONFIRMATION_CLOTURE: SpaceClosed, EXPORT_DISPONIBLE: ExportReady,
    SERVICES_SYNCHRONISES: SynchronizedServices}
CRITICAL = frozenset({ACCES_BRIS_GLACE})        # may reach people during quiet hours
WITH_RECIPIENT = frozenset(ACCOUNT_EVENTS)     # identity sends the person's contact snapshot with these


@dataclass(frozen=True, kw_only=True)
class Recipient:
    """What identity knows of a person, as of `as_of` (notifications keeps the newest snapshot per account)."""
    account_id: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    postal_address: str = ""
    activated: bool = False
    minor: bool = False
    legal_representative_ids: tuple[str, ...] = ()
    caregiver_ids: tuple[str, ...] = ()
    closed: bool = False
    as_of: datetime | None = None    # required from producers
    adult_on: date | None = None     # the 18th birthday: from then on not a minor


@dataclass(frozen=True, kw_only=True)
class Envelope:
    event_id: str
    event_type: str
    patient_id: str
    occurred_at: datetime
    payload: Any
    critical: bool = False
    recipient: Recipient | None = None
    # About a document hidden from a minor's legal representatives (DOMAIN.md §10.4): told to the
    # minor's own channels only, never to her legal representatives or delegates.
    hidden_from_legal_representatives: bool = False


def envelope(event_type: str, patient_id: str, payload: Any, *, occurred_at: datetime,
             recipient: Recipient | None = None, event_id: str | uuid.UUID | None = None,
             hidden_from_legal_representatives: bool = False) -> Envelope:
    """A checked envelope, ready for the outbox."""
    v = Violations()
    expected = PAYLOADS.get(event_type)
    if expected is None:
        raise unknown_type(event_type)
    if type(payload) is not expected:
        v.add("payload", f"{expected.__name__} attendu")
    v.require(patient_id, "patient_id")
    if event_type in WITH_RECIPIENT and recipient is None:
        v.add("recipient", "champ obligatoire")
    if recipient is not None and recipient.as_of is None:
        v.add("recipient.as_of", "champ obligatoire")
    v.raise_if_any(f"Évènement {event_type} invalide")
    payload_from(event_type, to_json(payload))
    return Envelope(event_id=str(event_id or uuid.uuid4()), event_type=event_type, patient_id=patient_id,
                    occurred_at=occurred_at, payload=payload, critical=event_type in CRITICAL,
                    recipient=recipient, hidden_from_legal_representatives=hidden_from_legal_representatives)


def unknown_type(event_type: str) -> InvalidArgument:
    return InvalidArgument(f"Type d'évènement inconnu : {event_type}", reason="UNKNOWN_EVENT_TYPE")


def payload_from(event_type: str, data: dict, field: str = PAYLOAD_FIELD) -> Any:
    """The typed payload of `event_type` from its JSON form; InvalidArgument naming each bad field."""
    cls = PAYLOADS.get(event_type)
    if cls is None:
        raise unknown_type(event_type)
    v = Violations()
    values = _read(cls, data, field, v)
    v.raise_if_any(f"Contenu de l'évènement {event_type} invalide")
    return cls(**values)


def recipient_from(data: dict, field: str = "recipient") -> Recipient:
    v = Violations()
    values = _read(Recipient, data, field, v)
    v.raise_if_any("Destinataire invalide")
    return Recipient(**values)


def to_json(value: Any) -> dict:
    """A payload or recipient as JSON: dates in ISO 8601, tuples as lists."""
    out = {}
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        out[f.name] = (item.isoformat() if isinstance(item, (date, datetime))
                       else list(item) if isinstance(item, tuple) else item)
    return out


# ---- the outbox row ----
ENVELOPE_KEYS = ("patient_id", "occurred_at", "recipient", "hidden_from_legal_representatives")


def outbox_row(e: Envelope) -> dict:
    """The values of one outbox row (meskit.outbox columns)."""
    flat = {**to_json(e.payload), "patient_id": e.patient_id, "occurred_at": e.occurred_at.isoformat()}
    if e.recipient is not None:
        flat["recipient"] = to_json(e.recipient)
    if e.hidden_from_legal_representatives:
        flat["hidden_from_legal_representatives"] = True
    return {"event_id": uuid.UUID(e.event_id), "event_type": e.event_type, "aggregate_id": e.patient_id,
            "payload": flat}


def from_outbox(event_id: str, event_type: str, payload: dict, created_at: datetime) -> Envelope:
    values = dict(payload)
    patient_id = values.pop("patient_id")
    occurred = values.pop("occurred_at", None)
    snapshot = values.pop("recipient", None)
    hidden = values.pop("hidden_from_legal_representatives", False) is True
    return Envelope(event_id=str(event_id), event_type=event_type, patient_id=patient_id,
                    occurred_at=datetime.fromisoformat(occurred) if occurred else created_at,
                    payload=payload_from(event_type, values, "payload"), critical=event_type in CRITICAL,
                    recipient=recipient_from(snapshot) if snapshot is not None else None,
                    hidden_from_legal_representatives=hidden)


# ---- reading the JSON form against the dataclass ----
@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _read(cls: type, data: dict, field: str, v: Violations) -> dict:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in data.keys() - fields.keys():
        v.add(f"{field}.{name}", "champ inconnu")
    values = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                v.add(f"{field}.{name}", "champ obligatoire")
            continue
        problem, value = _convert(_hints(cls)[name], data[name])
        if problem:
            v.add(f"{field}.{name}", problem)
        else:
            values[name] = value
    return values


def _convert(hint: Any, raw: Any) -> tuple[str, Any]:
    optional = hint in (datetime | None, date | None)
    if optional and raw in (None, ""):
        return "", None
    if hint is str:
        return ("", raw) if isinstance(raw, str) else ("texte attendu", None)
    if hint is bool:
        return ("", raw) if isinstance(raw, bool) else ("booléen attendu", None)
    if hint == tuple[str, ...]:
        ok = isinstance(raw, list) and all(isinstance(x, str) for x in raw)
        return ("", tuple(raw)) if ok else ("liste de textes attendue", None)
    kind = datetime if hint in (datetime, datetime | None) else date
    try:
        return "", kind.fromisoformat(raw)
    except (TypeError, ValueError):
        return ("date et heure ISO 8601 attendues" if kind is datetime else "date AAAA-MM-JJ attendue"), None
