"""What the forms check before anything is sent, with the French messages shown next to each
field (the services check again and have the last word). Pure functions: no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

LOGIN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
NIR = re.compile(r"^[12][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{8}$")
VITALE_SERIAL = re.compile(r"^[0-9]{8,13}$")
PROVISIONAL_CODE = re.compile(r"^[A-Za-z0-9]{12}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ONE_TIME_CODE = re.compile(r"^[0-9]{6}$")

# The rules shown beside the password field, each with its check.
PASSWORD_RULES: list[tuple[str, re.Pattern]] = [
    ("au moins 9 caractères", re.compile(r"^.{9,}$", re.S)),
    ("une lettre minuscule", re.compile(r"[a-z]")),
    ("une lettre majuscule", re.compile(r"[A-Z]")),
    ("un chiffre", re.compile(r"[0-9]")),
    ("un caractère spécial (par exemple ! ? - _ @)", re.compile(r"[^A-Za-z0-9]")),
]


@dataclass
class Form:
    """Typed values (secrets are never sent back to the page) and errors by field, in page order."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    clean: dict[str, Any] = field(default_factory=dict)    # what is sent, once valid

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def compact(value: str) -> str:
    """What people type in codes and numbers: spaces and dashes between groups are left out."""
    return re.sub(r"[\s-]", "", value)


def missing_password_rules(password: str) -> list[str]:
    return [label for label, rule in PASSWORD_RULES if not rule.search(password)]


def activation_form(raw: dict[str, str]) -> Form:
    form = Form({name: raw.get(name, "").strip() for name in
                 ("provisional_code", "nir", "vitale_serial", "login_id", "email")})
    form.values["accept_terms"] = "oui" if raw.get("accept_terms") == "oui" else ""
    password = raw.get("password", "")
    values = form.values
    code = compact(values["provisional_code"]).upper()
    if not code:
        form.error("provisional_code", "Saisissez le code provisoire reçu par courrier ou par e-mail")
    elif not PROVISIONAL_CODE.match(code):
        form.error("provisional_code", "Le code provisoire compte 12 lettres ou chiffres")
    nir = compact(values["nir"]).upper()
    if not nir:
        form.error("nir", "Saisissez votre numéro de sécurité sociale")
    elif not NIR.match(nir):
        form.error("nir", "Le numéro de sécurité sociale compte 15 caractères, par exemple 2 46 05 75 056 123 45")
    serial = compact(values["vitale_serial"])
    if not serial:
        form.error("vitale_serial", "Saisissez le numéro de série de votre carte Vitale")
    elif not VITALE_SERIAL.match(serial):
        form.error("vitale_serial", "Le numéro de série de la carte Vitale compte de 8 à 13 chiffres")
    if not values["login_id"]:
        form.error("login_id", "Choisissez un identifiant")
    elif not LOGIN_ID.match(values["login_id"]):
        form.error("login_id", "L’identifiant compte au moins 8 caractères : lettres sans accent, chiffres, "
                               "point, tiret ou tiret bas")
    missing = missing_password_rules(password)
    if not password:
        form.error("password", "Choisissez un mot de passe")
    elif missing:
        form.error("password", "Le mot de passe doit contenir " + ", ".join(missing))
    if not values["email"]:
        form.error("email", "Saisissez votre adresse e-mail")
    elif not EMAIL.match(values["email"]):
        form.error("email", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr")
    if not values["accept_terms"]:
        form.error("accept_terms", "Acceptez les conditions générales d’utilisation pour activer votre espace")
    if form.valid:
        form.clean = {"provisional_code": code, "nir": nir, "vitale_serial": serial,
                      "login_id": values["login_id"], "password": password, "email": values["email"]}
    return form


def login_form(raw: dict[str, str]) -> Form:
    form = Form({"login_id": raw.get("login_id", "").strip()})
    password = raw.get("password", "")
    if not form.values["login_id"]:
        form.error("login_id", "Saisissez votre identifiant")
    if not password:
        form.error("password", "Saisissez votre mot de passe")
    if form.valid:
        form.clean = {"login_id": form.values["login_id"], "password": password}
    return form


def code_form(raw: dict[str, str]) -> Form:
    form = Form({"code": compact(raw.get("code", ""))})
    if not form.values["code"]:
        form.error("code", "Saisissez le code à 6 chiffres reçu par e-mail")
    elif not ONE_TIME_CODE.match(form.values["code"]):
        form.error("code", "Le code compte 6 chiffres")
    if form.valid:
        form.clean = dict(form.values)
    return form


def document_date(day: str, month: str, year: str, today: date) -> tuple[str, str]:
    """(ISO date or "" when left empty, error message or "")."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (day or month or year):
        return "", ""
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        return "", "La date du document doit être une vraie date, par exemple 27 3 2026"
    if when > today:
        return "", "La date du document doit être aujourd’hui ou dans le passé"
    if when.year < 1900:
        return "", "L’année doit compter 4 chiffres, par exemple 2026"
    return when.isoformat(), ""


def safe_next(value: str | None, default: str = "/") -> str:
    """A page of this site to go back to after login: a local path, never another site."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or any(
            c in value for c in "\\\r\n\t") or len(value) > 512:
        return default
    return value
