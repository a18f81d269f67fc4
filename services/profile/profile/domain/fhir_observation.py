"""One FHIR R4 Observation of the measures profiles (DOMAIN §9) read as a profile measurement: its shape
checked here, its values by measurement_rules (units, ranges, contexts), every fault named by a
FHIRPath-like expression such as `Bundle.entry[3].resource.valueQuantity.unit`."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from meskit.errors import FieldViolation, InvalidArgument, Violations

from profile.domain import fhir_codes as codes
from profile.domain import measurement_rules as rules
from profile.domain.models import Measurement, Metric

STATUSES = ("final", "amended", "corrected", "preliminary")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII)
IDENTIFIER_SYSTEM_LIMIT, IDENTIFIER_VALUE_LIMIT, SOURCE_LIMIT = 500, 200, 500
INVALID = "FHIR_INVALID"


@dataclass(frozen=True, kw_only=True)
class Reading:
    """An Observation as the profile stores it."""
    code: str
    effective_time: datetime
    metrics: tuple[Metric, ...]
    comment: str = ""
    context: str = ""
    number_of_days: int = 0
    identifier: tuple[str, str] | None = None    # (system, value)
    source: str = ""                             # meta.source as given
    device: str = ""                             # device.reference as given

    def same_content(self, stored: Measurement) -> bool:
        return (stored.code, stored.effective_time, stored.metrics, stored.comment, stored.context,
                stored.number_of_days) == (self.code, self.effective_time, self.metrics, self.comment, self.context,
                                           self.number_of_days)


def invalid(path: str, description: str, message: str = "Observation invalide", reason: str = INVALID) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, violations=[FieldViolation(path, description)])


def _codings(concept: object) -> list[tuple[str, str]]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [(c.get("system", ""), c["code"]) for c in concept["coding"]
            if isinstance(c, dict) and isinstance(c.get("system", ""), str) and isinstance(c.get("code"), str)]


def _code(resource: dict, at: str, v: Violations) -> str:
    found = [codes.MEASUREMENT_CODES[c] for c in _codings(resource.get("code")) if c in codes.MEASUREMENT_CODES]
    if rules.BMI in found:
        raise invalid(f"{at}.code", "L'IMC (39156-5) est calculé par Mon espace santé à partir du poids et de la "
                                    "taille : il ne s'envoie pas", "L'IMC ne s'envoie pas", "BMI_COMPUTED")
    if not found:
        known = ", ".join(c for (_, c), name in codes.MEASUREMENT_CODES.items() if name != rules.BMI)
        v.add(f"{at}.code", f"code LOINC (http://loinc.org) ou TAASIP attendu parmi {known}")
        return ""
    return found[0]


def _effective_time(resource: dict, at: str, v: Violations) -> datetime | None:
    given = resource.get("effectiveDateTime")
    if not isinstance(given, str) or not DATE_TIME.fullmatch(given):
        v.add(f"{at}.effectiveDateTime", "date et heure de la mesure obligatoires, avec fuseau "
                                         "(AAAA-MM-JJThh:mm:ss+01:00)")
        return None
    try:
        return datetime.fromisoformat(given)
    except ValueError:
        v.add(f"{at}.effectiveDateTime", "date inexistante")
        return None


def _number(given: object) -> float | None:
    if isinstance(given, bool) or not isinstance(given, (int, float)):
        return None
    try:
        value = float(given)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class _Place:
    """Where a metric's unit and value were read."""
    unit: str
    value: str


def _quantity(holder: dict, path: str, v: Violations) -> tuple[float, str, _Place] | None:
    others = [key for key in holder if key.startswith("value") and key != "valueQuantity"]
    if others:
        v.add(f"{path}.{others[0]}", "valueQuantity attendu")
        return None
    quantity = holder.get("valueQuantity")
    if quantity is None:
        v.add(f"{path}.value[x]", "valeur obligatoire (valueQuantity) : une observation sans valeur est refusée")
        return None
    if not isinstance(quantity, dict):
        v.add(f"{path}.valueQuantity", "Quantity attendue")
        return None
    at = f"{path}.valueQuantity"
    value = _number(quantity.get("value"))
    if value is None:
        v.add(f"{at}.value", "valeur numérique obligatoire : une observation sans valeur est refusée")
        return None
    if quantity.get("system", codes.UCUM) != codes.UCUM:
        v.add(f"{at}.system", f"unités UCUM attendues ({codes.UCUM})")
    unit_field = "code" if "code" in quantity else "unit"
    unit = quantity.get(unit_field)
    if not isinstance(unit, str) or not unit:
        v.add(f"{at}.unit", "unité UCUM obligatoire")
        return None
    return value, unit, _Place(f"{at}.{unit_field}", f"{at}.value")


def _metrics(resource: dict, code: str, at: str, v: Violations) -> tuple[tuple[Metric, ...], dict[str, _Place]]:
    metrics, places = [], {}
    if not rules.KINDS[code].components:
        if resource.get("component"):
            v.add(f"{at}.component", "sans objet pour cette mesure")
        read = _quantity(resource, at, v)
        if read:
            metrics.append(Metric(code, read[0], read[1]))
            places[code] = read[2]
        return tuple(metrics), places
    values = [key for key in resource if key.startswith("value")]
    if values:
        v.add(f"{at}.{values[0]}", "la tension se donne en composants : systolique (8480-6) et diastolique (8462-4)")
    components = resource.get("component")
    if not isinstance(components, list) or not components:
        v.add(f"{at}.component", "composants systolique (8480-6) et diastolique (8462-4) obligatoires")
        return (), places
    for i, component in enumerate(components):
        path = f"{at}.component[{i}]"
        if not isinstance(component, dict):
            v.add(path, "composant attendu")
            continue
        named = [codes.COMPONENTS[c] for c in _codings(component.get("code")) if c in codes.COMPONENTS]
        if not named or named[0] in places:
            v.add(f"{path}.code", "un composant systolique (8480-6) et un diastolique (8462-4)")
            continue
        read = _quantity(component, path, v)
        if read:
            metrics.append(Metric(named[0], read[0], read[1]))
            places[named[0]] = read[2]
    return tuple(metrics), places


def _extensions(resource: dict, code: str, at: str, v: Violations) -> tuple[str, int]:
    """(glucose context, number of days): the one extension the measurement requires, and no other."""
    if resource.get("modifierExtension"):
        v.add(f"{at}.modifierExtension", "extension non autorisée")
    given = resource.get("extension", [])
    if not isinstance(given, list):
        v.add(f"{at}.extension", "liste d'extensions attendue")
        return "", 0
    allowed = codes.EXTENSIONS.get(code, "")
    context, days, found = "", 0, False
    for i, extension in enumerate(given):
        url = extension.get("url") if isinstance(extension, dict) else None
        if not url or url != allowed or found:
            v.add(f"{at}.extension[{i}]", f"extension non autorisée pour {rules.KINDS[code].label} : {url}")
            continue
        found = True
        coding = next(iter(_codings(extension.get("valueCodeableConcept"))), None)
        table = codes.MOMENTS if url == codes.MOMENT_EXTENSION else codes.DAYS
        if coding is None or coding not in table:
            v.add(f"{at}.extension[{i}].valueCodeableConcept",
                  "code attendu parmi " + ", ".join(f"{s}|{c}" for s, c in table))
        elif url == codes.MOMENT_EXTENSION:
            context = codes.MOMENTS[coding]
        else:
            days = codes.DAYS[coding]
    if allowed and not found:
        what = "moment de la mesure" if allowed == codes.MOMENT_EXTENSION else "nombre de jours"
        v.add(f"{at}.extension", f"extension {allowed} obligatoire ({what})")
    return context, days


def _comment(resource: dict, at: str, v: Violations) -> str:
    notes = resource.get("note", [])
    if not isinstance(notes, list) or not all(isinstance(n, dict) and isinstance(n.get("text"), str) for n in notes):
        v.add(f"{at}.note", "annotations avec leur texte attendues")
        return ""
    return "\n".join(n["text"] for n in notes)


def _identifier(resource: dict, at: str, v: Violations) -> tuple[str, str] | None:
    given = resource.get("identifier")
    if given is None:
        return None
    first = given[0] if isinstance(given, list) and given else None
    system = first.get("system") if isinstance(first, dict) else None
    value = first.get("value") if isinstance(first, dict) else None
    if not (isinstance(system, str) and system and isinstance(value, str) and value):
        v.add(f"{at}.identifier[0]", "system et value obligatoires")
        return None
    if len(system) > IDENTIFIER_SYSTEM_LIMIT or len(value) > IDENTIFIER_VALUE_LIMIT:
        v.add(f"{at}.identifier[0]", f"system de {IDENTIFIER_SYSTEM_LIMIT} caractères au plus, value de "
                                     f"{IDENTIFIER_VALUE_LIMIT}")
        return None
    return system, value


def _source(resource: dict, at: str, v: Violations) -> str:
    meta = resource.get("meta", {})
    source = meta.get("source", "") if isinstance(meta, dict) else None
    if not isinstance(source, str) or len(source) > SOURCE_LIMIT:
        v.add(f"{at}.meta.source", f"URI de {SOURCE_LIMIT} caractères au plus")
        return ""
    return source


def _device(resource: dict, at: str, v: Violations) -> str:
    device = resource.get("device")
    if device is None:
        return ""
    reference = device.get("reference") if isinstance(device, dict) else None
    if not isinstance(reference, str) or not reference:
        v.add(f"{at}.device.reference", "référence au Device du Bundle attendue")
        return ""
    return reference


def _offending(code: str, metrics: tuple[Metric, ...], field: str) -> str:
    """The metric a fault of measurement_rules.check is about (the first one outside the rule)."""
    kind = rules.KINDS[code]
    for metric in metrics:
        _, low, high = rules.BLOOD_PRESSURE_RANGES.get(metric.code, ("", kind.low, kind.high))
        if (field == "metrics.unit" and metric.unit != kind.unit) or (
                field == "metrics.value" and not low <= metric.value <= high):
            return metric.code
    return metrics[0].code


def _located(error: InvalidArgument, code: str, metrics: tuple[Metric, ...], places: dict[str, _Place],
             at: str) -> InvalidArgument:
    """measurement_rules' fault, named where the Observation says it."""
    violations = []
    for violation in error.violations or [FieldViolation("", error.message)]:
        field = violation.field
        if field in ("metrics.unit", "metrics.value"):
            place = places[_offending(code, metrics, field)]
            path = place.unit if field == "metrics.unit" else place.value
        elif field == "metrics":
            path = f"{at}.component" if rules.KINDS[code].components else f"{at}.valueQuantity"
        else:
            path = {"comment": f"{at}.note", "context": f"{at}.extension",
                    "number_of_days": f"{at}.extension"}.get(field, at)
        violations.append(FieldViolation(path, error.message if error.reason else violation.description))
    return InvalidArgument(error.message, reason=error.reason or INVALID, violations=violations)


def read(resource: object, at: str, now: datetime) -> Reading:
    """`at`: where the Observation is ("Observation", "Bundle.entry[3].resource")."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        raise invalid(f"{at}.resourceType", "Observation attendue")
    v = Violations()
    if resource.get("status") not in STATUSES:
        v.add(f"{at}.status", f"statut obligatoire parmi {', '.join(STATUSES)}")
    code = _code(resource, at, v)
    effective_time = _effective_time(resource, at, v)
    metrics, places = _metrics(resource, code, at, v) if code else ((), {})
    context, days = _extensions(resource, code, at, v) if code else ("", 0)
    comment = _comment(resource, at, v)
    identifier = _identifier(resource, at, v)
    source = _source(resource, at, v)
    device = _device(resource, at, v)
    if v.items:
        raise InvalidArgument("Observation invalide", reason=INVALID, violations=v.items)
    try:
        checked = rules.check(code, metrics, comment=comment, context=context, number_of_days=days)
        effective_time = rules.check_effective_time(effective_time, now)
    except InvalidArgument as error:
        if error.reason.startswith("EFFECTIVE_TIME"):
            raise InvalidArgument(error.message, reason=error.reason,
                                  violations=[FieldViolation(f"{at}.effectiveDateTime", error.message)]) from None
        raise _located(error, code, metrics, places, at) from None
    return Reading(code=code, effective_time=effective_time, metrics=checked, comment=comment, context=context,
                   number_of_days=days, identifier=identifier, source=source, device=device)
