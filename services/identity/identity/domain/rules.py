"""Validation rules for identifiers, from DOMAIN.md §4.2 (pure functions, no I/O)."""
from __future__ import annotations

import re
from datetime import date

from meskit.errors import Violations

LOGIN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
VITALE_SERIAL = re.compile(r"^\d{8,13}$")
RPPS = re.compile(r"^\d{11}$")
PROFESSION_CODES = frozenset({"10", "21", "26", "28", "31", "32", "40", "50", "60", "69", "70", "80",
                              "81", "82", "83", "84", "85", "86", "91", "92", "94", "95", "96", "98"})
PASSWORD_MIN = 9
PASSWORD_MAX = 128


def nir_is_valid(nir: str) -> bool:
    """15 characters: 13 (Corsica: 2A/2B in positions 6-7) plus a key = 97 - (number mod 97)."""
    if len(nir) != 15 or not nir[13:].isdigit():
        return False
    body = nir[:13].upper()
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit() or body[0] not in "12378":
        return False
    return 97 - int(body) % 97 == int(nir[13:])


def nir_key(first13: str) -> str:
    return f"{97 - int(first13) % 97:02d}"


PERSONAL_INFORMATION = "ne doit contenir aucune information personnelle (nom, prénom, identifiant)"


def password_problems(password: str, *, personal: list[str]) -> list[str]:
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"au moins {PASSWORD_MIN} caractères")
    if len(password) > PASSWORD_MAX:
        problems.append(f"au plus {PASSWORD_MAX} caractères")
    if not re.search(r"[a-z]", password):
        problems.append("une minuscule")
    if not re.search(r"[A-Z]", password):
        problems.append("une majuscule")
    if not re.search(r"\d", password):
        problems.append("un chiffre")
    if not re.search(r"[^A-Za-z0-9]", password):
        problems.append("un caractère spécial")
    lowered = password.lower()
    if any(p and len(p) >= 3 and p.lower() in lowered for p in personal):
        problems.append(PERSONAL_INFORMATION)
    return problems


def check_login_id(violations: Violations, login_id: str, field: str = "login_id") -> None:
    if not LOGIN_ID.match(login_id):
        violations.add(field, "8 à 64 caractères : lettres sans accent, chiffres, « . », « - » ou « _ »")
    elif EMAIL.match(login_id) or (len(login_id) == 15 and nir_is_valid(login_id)):
        violations.add(field, "l'identifiant ne peut pas être une adresse e-mail ni un NIR")


def check_password(violations: Violations, password: str, personal: list[str], field: str = "password") -> None:
    problems = password_problems(password, personal=personal)
    missing = [p for p in problems if p != PERSONAL_INFORMATION]
    if missing:
        violations.add(field, "le mot de passe doit contenir " + ", ".join(missing))
    if PERSONAL_INFORMATION in problems:
        violations.add(field, "le mot de passe " + PERSONAL_INFORMATION)


def check_email(violations: Violations, email: str, field: str = "email", *, required: bool) -> None:
    if not email:
        if required:
            violations.add(field, "champ obligatoire")
    elif len(email) > 254 or not EMAIL.match(email):
        violations.add(field, "adresse e-mail invalide")


def parse_birth_date(violations: Violations, value: str, field: str = "birth_date") -> date | None:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        violations.add(field, "date attendue au format AAAA-MM-JJ")
        return None
    if parsed > date.today() or parsed.year < 1880:
        violations.add(field, "date de naissance impossible")
        return None
    return parsed


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
