"""The measurements of DOMAIN §5.2: their UCUM unit, the plausible range of each value, their required
context; the BMI is computed by the profile, never posted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from meskit.errors import FieldViolation, InvalidArgument, Violations

from profile.domain.models import Metric


@dataclass(frozen=True)
class Kind:
    label: str
    unit: str
    low: float
    high: float
    components: tuple[str, ...] = ()     # the metrics' codes when not the measurement's own


KINDS = {
    "WEIGHT": Kind("Poids", "kg", 0.3, 500),
    "HEIGHT": Kind("Taille", "m", 0.2, 2.72),
    "BODY_MASS_INDEX": Kind("IMC", "kg/m2", 5, 150),
    "WAIST_CIRCUMFERENCE": Kind("Tour de taille", "cm", 20, 300),
    "HEAD_CIRCUMFERENCE": Kind("Périmètre crânien", "cm", 20, 80),
    "BODY_TEMPERATURE": Kind("Température", "Cel", 25, 45),
    "HEART_RATE": Kind("Fréquence cardiaque", "/min", 20, 300),
    "BLOOD_PRESSURE": Kind("Tension artérielle", "mm[Hg]", 0, 0, ("SYSTOLIC", "DIASTOLIC")),
    "GLUCOSE": Kind("Glycémie", "mg/dL", 10, 1000),
    "INTERSTITIAL_GLUCOSE": Kind("Taux de glucose interstitiel", "mg/dL", 10, 1000),
    "GLYCATED_HEMOGLOBIN": Kind("Hémoglobine glyquée (HbA1c)", "%", 2, 20),
    "HEMOGLOBIN_GLYCATION_INDEX": Kind("Indicateur de gestion du glucose", "%", 2, 20),
    "PAIN_SEVERITY": Kind("Niveau de douleur", "1", 0, 10),
    "STEPS_BY_DAY": Kind("Nombre de pas", "1/(24.h)", 0, 100000),
}
BLOOD_PRESSURE_RANGES = {"SYSTOLIC": ("Tension systolique", 50, 300), "DIASTOLIC": ("Tension diastolique", 20, 200)}
BMI, WEIGHT, HEIGHT = "BODY_MASS_INDEX", "WEIGHT", "HEIGHT"
GLUCOSE_CONTEXTS = ("FASTING", "AFTER_MEAL", "AFTER_EXERCISE", "MALAISE", "OTHER")
DAYS_REQUIRED = ("INTERSTITIAL_GLUCOSE", "HEMOGLOBIN_GLYCATION_INDEX")
NUMBERS_OF_DAYS = (7, 14, 30, 90, 0)
COMMENT_LIMIT = 1000
CLOCK_SKEW = timedelta(minutes=5)


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def kind_of(code: str) -> Kind:
    if code not in KINDS:
        raise InvalidArgument("Mesure inconnue", reason="UNKNOWN_MEASUREMENT",
                              violations=[FieldViolation("code", f"valeur attendue parmi {', '.join(KINDS)}")])
    return KINDS[code]


def check(code: str, metrics: tuple[Metric, ...], *, comment: str, context: str, number_of_days: int) -> tuple[Metric, ...]:
    """The metrics as stored (each code filled in); the first fault refused with its own reason."""
    kind = kind_of(code)
    if code == BMI:
        raise InvalidArgument("L'IMC est calculé à partir du poids et de la taille ; il ne se saisit pas",
                              reason="BMI_COMPUTED")
    expected = kind.components or (code,)
    given = {(x.code or (code if not kind.components else "")): x for x in metrics}
    if len(metrics) != len(expected) or set(given) != set(expected):
        raise InvalidArgument(f"{kind.label} : valeurs attendues {', '.join(expected)}", reason="METRICS_EXPECTED",
                              violations=[FieldViolation("metrics", f"{len(expected)} valeur(s) : {', '.join(expected)}")])
    for metric_code in expected:
        unit = given[metric_code].unit
        if unit != kind.unit:
            raise InvalidArgument(f"{kind.label} : unité « {unit} » inconnue, « {kind.unit} » attendue (UCUM)",
                                  reason="UNKNOWN_UNIT", violations=[FieldViolation("metrics.unit", f"{kind.unit} attendu")])
    for metric_code in expected:
        label, low, high = BLOOD_PRESSURE_RANGES[metric_code] if kind.components else (kind.label, kind.low, kind.high)
        value = given[metric_code].value
        if not low <= value <= high:
            raise InvalidArgument(
                f"{label} : {_number(value)} {kind.unit} hors des valeurs plausibles "
                f"({_number(low)} à {_number(high)} {kind.unit})", reason="OUT_OF_RANGE",
                violations=[FieldViolation("metrics.value", f"entre {_number(low)} et {_number(high)} {kind.unit}")])
    if kind.components and given["SYSTOLIC"].value <= given["DIASTOLIC"].value:
        raise InvalidArgument("Tension artérielle : la systolique doit dépasser la diastolique", reason="OUT_OF_RANGE",
                              violations=[FieldViolation("metrics.value", "systolique > diastolique")])
    v = Violations()
    v.max_length(comment, "comment", COMMENT_LIMIT)
    if code == "GLUCOSE":
        if context not in GLUCOSE_CONTEXTS:
            v.add("context", f"contexte obligatoire parmi {', '.join(GLUCOSE_CONTEXTS)}")
    elif context:
        v.add("context", "sans objet pour cette mesure")
    if code in DAYS_REQUIRED:
        if number_of_days not in NUMBERS_OF_DAYS:
            v.add("number_of_days", "7, 14, 30, 90 ou 0 (autre) attendu")
    elif number_of_days:
        v.add("number_of_days", "sans objet pour cette mesure")
    v.raise_if_any("Mesure invalide")
    return tuple(Metric(c, float(given[c].value), kind.unit) for c in expected)


def check_effective_time(effective_time: datetime | None, now: datetime) -> datetime:
    if effective_time is None:
        raise InvalidArgument("Date de la mesure obligatoire", reason="EFFECTIVE_TIME_REQUIRED")
    if effective_time > now + CLOCK_SKEW:
        raise InvalidArgument("La mesure ne peut être dans le futur", reason="EFFECTIVE_TIME_FUTURE")
    return effective_time


def bmi(weight_kg: float, height_m: float) -> float:
    return round(weight_kg / (height_m * height_m), 1)
