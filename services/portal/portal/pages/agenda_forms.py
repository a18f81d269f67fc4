"""What the agenda's forms check before anything is sent (appointments, reminders, the date a
prevention item was done), with the French messages shown next to each field, and the French
labels of the agenda's codes. Pure functions: no I/O; the agenda service has the last word."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from portal.forms import Form
from portal.rendering import MONTHS

PARIS = ZoneInfo("Europe/Paris")
TIME = re.compile(r"^([01]?[0-9]|2[0-3])\s*(?:[:hH.]\s*([0-5][0-9])?)?$")
FEED_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
ITEM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
TITLE_LIMIT, NOTE_LIMIT, TEXT_LIMIT = 100, 1000, 200

PREVENTION_STATUSES = {   # code -> (label, govuk-tag modifier)
    "PREVENTION_STATUS_TO_PLAN": ("À planifier", "govuk-tag--blue"),
    "PREVENTION_STATUS_NOT_SPECIFIED": ("Non renseigné", "govuk-tag--grey"),
    "PREVENTION_STATUS_DONE": ("Fait", "govuk-tag--green"),
    "PREVENTION_STATUS_NOT_DONE": ("Pas fait", "govuk-tag--orange"),
}
PREVENTION_TYPES = {
    "PREVENTION_TYPE_CAR_SANTE": "Examen de santé de l’enfant",
    "PREVENTION_TYPE_BILAN_AQ": "Bilan prévention",
    "PREVENTION_TYPE_CAR_VAC": "Vaccination",
    "PREVENTION_TYPE_MT_DENTS": "Examen bucco-dentaire M’T dents",
    "PREVENTION_TYPE_PREV_DENT": "Suivi dentaire",
    "PREVENTION_TYPE_PREV_OPHT": "Examen des yeux",
    "PREVENTION_TYPE_EXAMEN_DEPISTAGE": "Dépistage",
}
REQUIREMENTS = {"REQUIREMENT_LEVEL_OBLIGATOIRE": "Obligatoire", "REQUIREMENT_LEVEL_RECOMMANDE": "Recommandé"}
APPOINTMENT_TYPES = {"APPOINTMENT_TYPE_PRACTITIONER": "Un professionnel de santé",
                     "APPOINTMENT_TYPE_HEALTHCARE_SERVICE": "Un établissement ou un service (hôpital, laboratoire…)"}
APPOINTMENT_STATUSES = {"APPOINTMENT_STATUS_CANCELLED": "Annulé", "APPOINTMENT_STATUS_PROPOSED": "Proposé",
                        "APPOINTMENT_STATUS_PENDING": "En attente de confirmation",
                        "APPOINTMENT_STATUS_FULFILLED": "Passé", "APPOINTMENT_STATUS_NOSHOW": "Manqué",
                        "APPOINTMENT_STATUS_WAITLIST": "Sur liste d’attente"}


def status_of(item: dict) -> tuple[str, str]:
    return PREVENTION_STATUSES.get(item.get("status", ""), PREVENTION_STATUSES["PREVENTION_STATUS_NOT_SPECIFIED"])


def timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(PARIS)
    except ValueError:
        return None


def french_moment(value: str | None) -> str:
    """An RFC 3339 timestamp -> "3 décembre 2026 à 10 h 30" (Paris time)."""
    moment = timestamp(value)
    if moment is None:
        return ""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} à {moment.hour} h {moment.minute:02d}"


def day_before(value: str) -> str:
    """An exclusive ISO end date -> the last day it includes (ISO), "" when open-ended."""
    try:
        return (date.fromisoformat(value) - timedelta(days=1)).isoformat() if value else ""
    except ValueError:
        return ""


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_day(form: Form, prefix: str, what: str, *, required: bool) -> date | None:
    """The date typed in `<prefix>jour`, `<prefix>mois`, `<prefix>annee`; the error on `<prefix>jour`."""
    day, month, year = (form.values.get(prefix + n, "") for n in ("jour", "mois", "annee"))
    if not (day or month or year):
        if required:
            form.error(prefix + "jour", f"Saisissez {what}")
        return None
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        form.error(prefix + "jour", f"{what[0].upper()}{what[1:]} doit être une vraie date, par exemple 27 3 2027")
        return None
    if not 1900 <= when.year <= 2200:
        form.error(prefix + "jour", "L’année doit compter 4 chiffres, par exemple 2027")
        return None
    return when


def parse_time(form: Form, name: str) -> tuple[int, int] | None:
    value = form.values.get(name, "")
    if not value:
        form.error(name, "Saisissez l’heure, par exemple 10:30")
        return None
    match = TIME.match(value)
    if not match:
        form.error(name, "L’heure doit être entre 00:00 et 23:59, par exemple 10:30")
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def _fields(raw: dict[str, str], names: tuple[str, ...]) -> Form:
    return Form({name: raw.get(name, "").strip() for name in names})


def _limit(form: Form, name: str, limit: int, what: str) -> None:
    if len(form.values.get(name, "")) > limit:
        form.error(name, f"{what} compte au plus {limit} caractères")


APPOINTMENT_FIELDS = ("type", "nom", "titre", "specialite", "adresse", "jour", "mois", "annee", "heure", "note")


def appointment_form(raw: dict[str, str]) -> Form:
    form = _fields(raw, APPOINTMENT_FIELDS)
    values = form.values
    if values["type"] not in APPOINTMENT_TYPES:
        form.error("type", "Choisissez avec qui est le rendez-vous")
    if not values["nom"]:
        form.error("nom", "Saisissez le nom du professionnel ou de l’établissement")
    _limit(form, "nom", TEXT_LIMIT, "Le nom")
    _limit(form, "titre", TITLE_LIMIT, "Le titre")
    _limit(form, "specialite", TEXT_LIMIT, "La spécialité")
    _limit(form, "adresse", 300, "L’adresse")
    when = parse_day(form, "", "la date du rendez-vous", required=True)
    at = parse_time(form, "heure")
    _limit(form, "note", NOTE_LIMIT, "La note")
    if form.valid and when and at:
        start = datetime(when.year, when.month, when.day, *at, tzinfo=PARIS)
        form.clean = {"type": values["type"], "name": values["nom"], "title": values["titre"],
                      "specialty": values["specialite"], "address": values["adresse"], "startTime": utc(start),
                      "note": values["note"]}
    return form


def appointment_values(appointment: dict) -> dict[str, str]:
    """An appointment as its edit form shows it."""
    start = timestamp(appointment.get("startTime"))
    values = {"type": appointment.get("type", ""), "nom": appointment.get("name", ""),
              "titre": appointment.get("title", ""), "specialite": appointment.get("specialty", ""),
              "adresse": appointment.get("address", ""), "note": appointment.get("note", "")}
    if start:
        values.update(jour=str(start.day), mois=str(start.month), annee=str(start.year),
                      heure=f"{start.hour:02d}:{start.minute:02d}")
    return values


REMINDER_FIELDS = ("titre", "jour", "mois", "annee", "heure", "note")


def reminder_form(raw: dict[str, str], now: datetime) -> Form:
    form = _fields(raw, REMINDER_FIELDS)
    values = form.values
    if not values["titre"]:
        form.error("titre", "Saisissez le titre du rappel, par exemple « Prendre rendez-vous chez le dentiste »")
    _limit(form, "titre", TITLE_LIMIT, "Le titre")
    when = parse_day(form, "", "la date du rappel", required=True)
    at = parse_time(form, "heure")
    _limit(form, "note", NOTE_LIMIT, "La note")
    if when and at and "jour" not in form.errors and "heure" not in form.errors:
        moment = datetime(when.year, when.month, when.day, *at, tzinfo=PARIS)
        if moment <= now:
            form.error("jour", "Le rappel doit être dans le futur : choisissez une date et une heure à venir")
        elif form.valid:
            form.clean = {"title": values["titre"], "remindAt": utc(moment), "note": values["note"]}
    return form


def reminder_values(reminder: dict) -> dict[str, str]:
    at = timestamp(reminder.get("remindAt"))
    values = {"titre": reminder.get("title", ""), "note": reminder.get("note", "")}
    if at:
        values.update(jour=str(at.day), mois=str(at.month), annee=str(at.year), heure=f"{at.hour:02d}:{at.minute:02d}")
    return values


DONE_CHOICES = {"fait": "Oui, c’est fait", "pas-fait": "Non, ce n’est pas fait", "effacer": "Je ne sais pas (effacer ma réponse)"}


def done_form(raw: dict[str, str], today: date) -> Form:
    form = _fields(raw, ("reponse", "jour", "mois", "annee"))
    answer = form.values["reponse"]
    if answer not in DONE_CHOICES:
        form.error("reponse", "Indiquez si c’est fait")
    when = parse_day(form, "", "la date", required=False)
    if when and when > today:
        form.error("jour", "La date doit être aujourd’hui ou dans le passé")
    if when and answer != "fait":
        form.error("jour", "Ne donnez une date que si c’est fait")
    if form.valid:
        form.clean = ({"clear": True} if answer == "effacer" else
                      {"done": answer == "fait", "executionDate": when.isoformat() if when else ""})
    return form
