"""The profile's values, as the domain holds them (no grpc, no sqlalchemy)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Sections (DOMAIN §5.1), proto names without the SECTION_ prefix.
DISEASES, TREATMENTS, HOSPITALIZATIONS, FAMILY_HISTORY, ALLERGIES, VACCINATIONS = (
    "DISEASES", "TREATMENTS", "HOSPITALIZATIONS", "FAMILY_HISTORY", "ALLERGIES", "VACCINATIONS")
LIFESTYLE, MEASUREMENTS, HEALTH_PROFESSIONALS, ENTOURAGE, CARE_HISTORY, ADMINISTRATIVE_DOCUMENTS, DISABILITIES = (
    "LIFESTYLE", "MEASUREMENTS", "HEALTH_PROFESSIONALS", "ENTOURAGE", "CARE_HISTORY", "ADMINISTRATIVE_DOCUMENTS",
    "DISABILITIES")
SECTIONS = (DISEASES, TREATMENTS, HOSPITALIZATIONS, FAMILY_HISTORY, ALLERGIES, VACCINATIONS, LIFESTYLE, MEASUREMENTS,
            HEALTH_PROFESSIONALS, ENTOURAGE, CARE_HISTORY, ADMINISTRATIVE_DOCUMENTS, DISABILITIES)
ENTRY_SECTIONS = (DISEASES, TREATMENTS, HOSPITALIZATIONS, FAMILY_HISTORY, ALLERGIES, VACCINATIONS, LIFESTYLE,
                  HEALTH_PROFESSIONALS, ENTOURAGE, DISABILITIES)
DECLARABLE_SECTIONS = (DISEASES, TREATMENTS, HOSPITALIZATIONS, FAMILY_HISTORY, ALLERGIES, DISABILITIES)
# What a professional of the care team reads (DOMAIN §5.1 vaccinations, §5.4 "Entourage & volontés").
PROFESSIONAL_SECTIONS = (VACCINATIONS, ENTOURAGE)
LABELS = {DISEASES: "Maladies et sujets de santé", TREATMENTS: "Traitements",
          HOSPITALIZATIONS: "Hospitalisations et chirurgies", FAMILY_HISTORY: "Antécédents familiaux",
          ALLERGIES: "Allergies", VACCINATIONS: "Vaccinations", LIFESTYLE: "Habitudes de vie", MEASUREMENTS: "Mesures",
          HEALTH_PROFESSIONALS: "Professionnels de santé", ENTOURAGE: "Entourage et volontés",
          CARE_HISTORY: "Historique des soins", ADMINISTRATIVE_DOCUMENTS: "Pièces administratives",
          DISABILITIES: "Handicaps"}

PATIENT, DELEGATE, PROFESSIONAL, MES = "PATIENT", "DELEGATE", "PROFESSIONAL", "MES"
EDITOR_SOLUTION = "EDITOR_SOLUTION"   # a connected app (DOMAIN §9)


@dataclass(frozen=True)
class PartialDate:
    year: int = 0
    month: int = 0
    day: int = 0

    def __bool__(self) -> bool:
        return bool(self.year or self.month or self.day)

    def text(self) -> str:
        if not self.year:
            return ""
        if not self.month:
            return f"{self.year:04d}"
        if not self.day:
            return f"{self.month:02d}/{self.year:04d}"
        return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"


# The entry's fields besides its identity: name -> value, as given (strings, ints, lists, PartialDate).
ENTRY_FIELDS = ("name", "comment", "start", "end", "dosage", "duration", "duration_unit", "relative",
                "disability_types", "disability_rate", "technical_aid", "human_aid", "vaccination_type", "lot",
                "vaccinator", "lifestyle_topic", "identifier", "role_tags", "contact_roles", "relation",
                "given_name", "family_name", "mobile", "landline", "email", "street", "postal_code", "city", "country")
DATE_FIELDS = ("start", "end")
LIST_FIELDS = ("disability_types", "role_tags", "contact_roles")
INT_FIELDS = ("duration",)


@dataclass(frozen=True, kw_only=True)
class Entry:
    entry_id: str
    patient_id: str
    section: str
    fields: dict
    author_type: str
    author_id: str
    confirmed_by_professional: bool = False
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class Declaration:
    section: str
    declared_at: datetime


@dataclass(frozen=True, kw_only=True)
class Facts:
    """The single values of a profile: blood group and wishes."""
    blood_group: str = ""
    blood_group_author_type: str = ""
    blood_group_author_id: str = ""
    blood_group_updated_at: datetime | None = None
    advance_directives: str = ""
    informed_about_organ_donation: bool = False
    wishes_updated_at: datetime | None = None


@dataclass(frozen=True)
class Metric:
    code: str
    value: float
    unit: str


@dataclass(frozen=True, kw_only=True)
class Measurement:
    measurement_id: str
    patient_id: str
    code: str
    effective_time: datetime
    metrics: tuple[Metric, ...]
    comment: str = ""
    context: str = ""
    number_of_days: int = 0
    author_type: str
    author_id: str
    created_at: datetime
    derived_from: tuple[str, ...] = field(default=())   # a computed BMI: the weight's and height's ids
    author_name: str = ""              # EDITOR_SOLUTION: the app's name
    source: str = ""                   # EDITOR_SOLUTION: the Observation's meta.source
    identifier_system: str = ""        # EDITOR_SOLUTION: the Observation.identifier the app is idempotent on
    identifier_value: str = ""
