"""The fields and limits of each list section (DOMAIN §5.1), checked before anything is written."""
from __future__ import annotations

import re
from datetime import date

from meskit.errors import InvalidArgument, Violations

from profile.domain import models as m
from profile.domain.models import PartialDate

NAME_LIMIT, COMMENT_LIMIT, DOSAGE_LIMIT, LOT_LIMIT, SHORT_LIMIT = 200, 3000, 1000, 100, 200
TREATMENT_NAME_LIMIT = 50
RELATIVES = ("MOTHER", "FATHER", "GRANDMOTHER", "GRANDFATHER", "SISTER", "BROTHER", "GREAT_GRANDMOTHER",
             "GREAT_GRANDFATHER", "AUNT", "UNCLE", "OTHER")
DURATION_UNITS = ("DAY", "WEEK", "MONTH", "YEAR")
DISABILITY_TYPES = ("SENSORY", "NEURO_DEVELOPMENTAL_DISORDER", "PSYCHIC", "ENGINE", "POLY_DISABILITY",
                    "DISABLING_DISEASES", "OTHERS")
DISABILITY_RATES = ("LESS_THAN_50", "FROM_50_TO_79", "AT_LEAST_80", "UNKNOWN")
HUMAN_AIDS = ("YES", "NO", "NONE")
VACCINATION_TYPES = ("INITIMMUNIZ", "BOOSTER", "IMMUNIZ")
LIFESTYLE_TOPICS = ("FOOD", "PHYSICAL_ACTIVITY", "SLEEP", "SCREEN", "ALCOHOL", "TOBACCO")
ROLE_TAGS = ("MEDECIN_TRAITANT", "SAGE_FEMME_REFERENTE", "PHARMACIEN_CORRESPONDANT")
CONTACT_ROLES = ("EMERGENCY_CONTACT", "TRUSTED_CONTACT", "CAREGIVER_CONTACT", "HELP_CONTACT")
TRUSTED = "TRUSTED_CONTACT"
RELATIONS = ("MOTHER", "FATHER", "CHILD", "SPOUSE", "TUTEUR", "OTHER")
PHONE = re.compile(r"^\+?[0-9 .]{6,20}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
IDENTIFIER = re.compile(r"^([0-9]{11}|[0-9A-Z]{9})$")

# The fields each section accepts besides name and comment.
SECTION_FIELDS = {
    m.DISEASES: ("start", "end"),
    m.TREATMENTS: ("start", "end", "dosage"),
    m.HOSPITALIZATIONS: ("start", "duration", "duration_unit"),
    m.FAMILY_HISTORY: ("relative",),
    m.ALLERGIES: (),
    m.VACCINATIONS: ("start", "vaccination_type", "lot", "vaccinator"),
    m.LIFESTYLE: ("lifestyle_topic",),
    m.HEALTH_PROFESSIONALS: ("identifier", "role_tags"),
    m.ENTOURAGE: ("contact_roles", "relation", "given_name", "family_name", "mobile", "landline", "email", "street",
                  "postal_code", "city", "country"),
    m.DISABILITIES: ("disability_types", "disability_rate", "technical_aid", "human_aid"),
}


def empty(name: str):
    if name in m.DATE_FIELDS:
        return PartialDate()
    if name in m.LIST_FIELDS:
        return ()
    if name in m.INT_FIELDS:
        return 0
    return ""


def check_partial_date(v: Violations, value: PartialDate, name: str, today: date) -> None:
    """Year required; a month without a year, or a day without a month, is refused."""
    if not value:
        return
    if not value.year:
        v.add(name, "l'année est obligatoire dès qu'un mois ou un jour est donné")
        return
    if not 1900 <= value.year <= today.year:
        v.add(name, f"année entre 1900 et {today.year} attendue")
        return
    if value.day and not value.month:
        v.add(name, "un jour sans mois n'est pas une date")
        return
    if not 0 <= value.month <= 12:
        v.add(name, "mois entre 1 et 12 attendu")
        return
    if value.day:
        try:
            full = date(value.year, value.month, value.day)
        except ValueError:
            v.add(name, "date inexistante")
            return
        if full > today:
            v.add(name, "la date ne peut être dans le futur")


def _one_of(v: Violations, value: str, name: str, allowed: tuple[str, ...], *, required: bool = False) -> None:
    if not value:
        if required:
            v.add(name, "champ obligatoire")
    elif value not in allowed:
        v.add(name, f"valeur attendue parmi {', '.join(allowed)}")


def _subset(v: Violations, values, name: str, allowed: tuple[str, ...]) -> None:
    unknown = [x for x in values if x not in allowed]
    if unknown:
        v.add(name, f"valeurs attendues parmi {', '.join(allowed)}")
    elif len(set(values)) != len(values):
        v.add(name, "valeur en double")


def normalise(section: str, given: dict, *, today: date, birth_date: date | None) -> dict:
    """The entry's fields, checked for `section`; INVALID_ARGUMENT naming every field at fault."""
    if section not in m.ENTRY_SECTIONS:
        raise InvalidArgument(f"La section {m.LABELS.get(section, section or '?')} ne reçoit pas d'entrées",
                              reason="SECTION_NOT_EDITABLE")
    allowed = ("name", "comment") + SECTION_FIELDS[section]
    v = Violations()
    for name in m.ENTRY_FIELDS:
        if name not in allowed and given.get(name, empty(name)) != empty(name):
            v.add(name, f"champ sans objet pour la section {m.LABELS[section]}")
    fields = {name: given.get(name, empty(name)) for name in allowed}
    if section == m.TREATMENTS and len(fields["name"]) > TREATMENT_NAME_LIMIT:
        full = fields["name"]
        fields["name"] = full[:TREATMENT_NAME_LIMIT]
        fields["comment"] = f"{full}\n{fields['comment']}".strip() if full not in fields["comment"] else fields["comment"]
    if section != m.ENTOURAGE:
        v.require(fields["name"].strip(), "name")
    v.max_length(fields["name"], "name", NAME_LIMIT)
    v.max_length(fields["comment"], "comment", COMMENT_LIMIT)
    for name in ("start", "end"):
        if name in fields:
            check_partial_date(v, fields[name], name, today)
    if section == m.TREATMENTS:
        v.max_length(fields["dosage"], "dosage", DOSAGE_LIMIT)
    if "start" in fields and "end" in fields and fields["start"] and fields["end"] and not v.items:
        if _key(fields["end"]) < _key(fields["start"]):
            v.add("end", "la fin précède le début")
    if section == m.HOSPITALIZATIONS:
        if not 0 <= fields["duration"] <= 999:
            v.add("duration", "entier de 0 à 999 attendu")
        _one_of(v, fields["duration_unit"], "duration_unit", DURATION_UNITS, required=fields["duration"] > 0)
    elif section == m.FAMILY_HISTORY:
        _one_of(v, fields["relative"], "relative", RELATIVES, required=True)
    elif section == m.DISABILITIES:
        _subset(v, fields["disability_types"], "disability_types", DISABILITY_TYPES)
        _one_of(v, fields["disability_rate"], "disability_rate", DISABILITY_RATES)
        _one_of(v, fields["human_aid"], "human_aid", HUMAN_AIDS)
        v.max_length(fields["technical_aid"], "technical_aid", 500)
    elif section == m.VACCINATIONS:
        if not fields["start"]:
            v.add("start", "date de vaccination obligatoire")
        elif birth_date and fields["start"].year and _key(fields["start"]) < _key(
                PartialDate(birth_date.year, birth_date.month if fields["start"].month else 0,
                            birth_date.day if fields["start"].day else 0)):
            v.add("start", "la vaccination ne peut précéder la naissance")
        _one_of(v, fields["vaccination_type"], "vaccination_type", VACCINATION_TYPES, required=True)
        v.max_length(fields["lot"], "lot", LOT_LIMIT)
        v.max_length(fields["vaccinator"], "vaccinator", SHORT_LIMIT)
    elif section == m.LIFESTYLE:
        _one_of(v, fields["lifestyle_topic"], "lifestyle_topic", LIFESTYLE_TOPICS, required=True)
    elif section == m.HEALTH_PROFESSIONALS:
        if fields["identifier"] and not IDENTIFIER.match(fields["identifier"]):
            v.add("identifier", "RPPS (11 chiffres) ou FINESS (9 caractères) attendu")
        _subset(v, fields["role_tags"], "role_tags", ROLE_TAGS)
    elif section == m.ENTOURAGE:
        _check_contact(v, fields)
    v.raise_if_any("Entrée du profil invalide")
    return fields


def _check_contact(v: Violations, f: dict) -> None:
    if not f["contact_roles"]:
        v.add("contact_roles", "au moins un rôle")
    _subset(v, f["contact_roles"], "contact_roles", CONTACT_ROLES)
    _one_of(v, f["relation"], "relation", RELATIONS)
    for name in ("given_name", "family_name", "mobile", "postal_code", "city"):
        v.require(f[name].strip(), name)
    for name in ("given_name", "family_name", "city", "country"):
        v.max_length(f[name], name, 100)
    v.max_length(f["street"], "street", 300)
    v.max_length(f["email"], "email", 254)
    for name in ("mobile", "landline"):
        if f[name] and not PHONE.match(f[name]):
            v.add(name, "numéro de téléphone attendu (chiffres, + au début)")
    if f["postal_code"] and not re.match(r"^[0-9A-Z -]{3,10}$", f["postal_code"]):
        v.add("postal_code", "code postal attendu")
    if f["email"] and not EMAIL.match(f["email"]):
        v.add("email", "adresse électronique attendue")


def _key(d: PartialDate) -> tuple[int, int, int]:
    return d.year, d.month, d.day
