"""The words of a notice for one person: title, sentences, link. Channels render them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from notifications.domain.catalog import PROFESSIONAL_FOOTER, Notice, ProfessionalNotice
from notifications.domain.routing import PARIS

DEFAULT_ACTOR = "un professionnel de santé"
CONNECT = "Connectez-vous à Mon espace santé pour en savoir plus."
# The date a notice of the space's life states, and its label.
DATED_DETAILS = {
    "OPPOSITION_ENREGISTREE": ("Opposition enregistrée le", "recorded_at"),
    "SUSPENSION_PROFIL": ("Clôture prévue le", "closes_on"),
    "CONFIRMATION_CLOTURE": ("Suppression des données le", "erase_on"),
    "EXPORT_DISPONIBLE": ("Lien valable jusqu'au", "expires_at"),
    "SERVICES_SYNCHRONISES": ("Liste établie le", "as_of"),
}
NO_APP = "aucun"


@dataclass(frozen=True)
class Content:
    title: str
    lines: tuple[str, ...]
    greeting_name: str = ""
    link: str = ""
    occurred_at: datetime | None = None
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)   # label, value (e.g. the code)
    footer: str = ""                         # instead of the line on why the mail is always sent

    @property
    def body(self) -> str:
        return " ".join(self.lines)


def full_name(given: str, family: str) -> str:
    return " ".join(p for p in (given.strip(), family.strip()) if p)


def _date(value: str) -> str:
    try:
        return datetime.fromisoformat(value).astimezone(PARIS).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value


def _actor(payload: dict) -> str:
    actor = str(payload.get("actor_display") or DEFAULT_ACTOR)[:200]
    if actor.startswith(("Un ", "Une ")):        # "Un professionnel de santé" inside a sentence
        actor = actor[0].lower() + actor[1:]
    return actor


def compose(notice: Notice, payload: dict, *, profile_name: str, recipient_name: str, public_url: str,
            occurred_at: datetime | None = None) -> Content:
    actor = _actor(payload)
    profile = profile_name or "la personne concernée"
    apps = str(payload.get("app_names") or "").strip()[:1000] or NO_APP
    said = notice.body.format(actor=actor, profile=profile, apps=apps)
    lines = [said[:1].upper() + said[1:]]
    details: list[tuple[str, str]] = []
    if notice.event_type == "ACCOUNT_CREATED":
        if payload.get("provisional_code"):
            details.append(("Code provisoire", str(payload["provisional_code"])[:32]))
        if payload.get("provisional_code_expires_at"):
            details.append(("Valable jusqu'au", _date(str(payload["provisional_code_expires_at"]))))
        if payload.get("opposition_deadline"):
            details.append(("Opposition possible jusqu'au", _date(str(payload["opposition_deadline"]))))
        lines.append("Sans démarche de votre part, votre profil restera ouvert : il vous appartient, et vous "
                     "seul décidez de qui peut y accéder.")
    elif notice.event_type == "RAPPEL_CONSENT_PASSAGE_MAJO" and payload.get("provisional_code"):
        details.append(("Code provisoire", str(payload["provisional_code"])[:32]))
        if payload.get("provisional_code_expires_at"):
            details.append(("Valable jusqu'au", _date(str(payload["provisional_code_expires_at"]))))
        lines.append("Activez votre propre accès avec le code provisoire ci-dessous, votre numéro de sécurité "
                     "sociale et le numéro de série de votre carte Vitale.")
    elif notice.event_type == "RAPPEL_CONSENT_PASSAGE_MAJO":
        lines.append("Connectez-vous à Mon espace santé pour vérifier vos choix de partage et d'accès.")
    elif notice.event_type in DATED_DETAILS:
        label, field_name = DATED_DETAILS[notice.event_type]
        if payload.get(field_name):
            details.append((label, _date(str(payload[field_name]))))
        if payload.get("channel"):
            details.append(("Démarche", str(payload["channel"])[:40]))
        lines.append(CONNECT)
    else:
        lines.append(CONNECT)
    return Content(title=notice.title, lines=tuple(lines), greeting_name=recipient_name,
                   link=public_url.rstrip("/") + "/", occurred_at=occurred_at, details=tuple(details))


def bell_text(notice: Notice, payload: dict, profile_name: str) -> tuple[str, str]:
    content = compose(notice, payload, profile_name=profile_name, recipient_name="", public_url="")
    return content.title, content.lines[0]


def compose_for_professional(notice: ProfessionalNotice, payload: dict, *, patient_name: str,
                             occurred_at: datetime | None) -> Content:
    """A professional's mail: no greeting by name, no link to the patients' space."""
    local = (occurred_at or datetime.now(PARIS)).astimezone(PARIS)
    visible_from = (f"le {_date(str(payload['visible_from']))}" if payload.get("visible_from")
                    else "un mois après son dépôt")
    values = {"actor": _actor(payload), "patient": patient_name[:200] or "la personne concernée",
              "date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M"), "visible_from": visible_from}
    lines = tuple(line.format(**values) for line in notice.lines)
    details = (("Référence du document", str(payload["document_id"])[:64]),) if payload.get("document_id") else ()
    return Content(title=notice.title, lines=lines, occurred_at=occurred_at, details=details,
                   footer=PROFESSIONAL_FOOTER)
