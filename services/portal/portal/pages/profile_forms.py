"""The medical profile's French labels, the checks of its forms (an entry, a measurement with the
plausible ranges the profile service enforces) and the chart of one measurement over time, drawn
as plain SVG coordinates for the template. Pure functions: no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from portal.forms import Form
from portal.pages.agenda_forms import PARIS, parse_day, parse_time, timestamp, utc

# The list sections the page edits: URL slug -> (API code, French title).
SECTIONS = {
    "maladies": ("SECTION_DISEASES", "Maladies et sujets de santé"),
    "traitements": ("SECTION_TREATMENTS", "Traitements"),
    "hospitalisations": ("SECTION_HOSPITALIZATIONS", "Hospitalisations et chirurgies"),
    "handicaps": ("SECTION_DISABILITIES", "Handicaps"),
    "allergies": ("SECTION_ALLERGIES", "Allergies"),
    "antecedents-familiaux": ("SECTION_FAMILY_HISTORY", "Antécédents familiaux"),
}
RELATIVES = {"MOTHER": "Mère", "FATHER": "Père", "GRANDMOTHER": "Grand-mère", "GRANDFATHER": "Grand-père",
             "SISTER": "Sœur", "BROTHER": "Frère", "GREAT_GRANDMOTHER": "Arrière-grand-mère",
             "GREAT_GRANDFATHER": "Arrière-grand-père", "AUNT": "Tante", "UNCLE": "Oncle", "OTHER": "Autre"}
BLOOD_GROUPS = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")


@dataclass(frozen=True)
class Kind:
    label: str
    unit: str            # UCUM, as the API takes it
    shown: str           # as the page says it
    low: float
    high: float


# The ranges are the profile service's (measurement_rules.KINDS): said before she types.
MEASURES = {
    "WEIGHT": Kind("Poids", "kg", "kg", 0.3, 500),
    "HEIGHT": Kind("Taille", "m", "m", 0.2, 2.72),
    "BLOOD_PRESSURE": Kind("Tension artérielle", "mm[Hg]", "mmHg", 0, 0),
    "GLUCOSE": Kind("Glycémie", "mg/dL", "mg/dL", 10, 1000),
    "HEART_RATE": Kind("Fréquence cardiaque", "/min", "battements par minute", 20, 300),
    "BODY_TEMPERATURE": Kind("Température", "Cel", "°C", 25, 45),
    "WAIST_CIRCUMFERENCE": Kind("Tour de taille", "cm", "cm", 20, 300),
    "GLYCATED_HEMOGLOBIN": Kind("Hémoglobine glyquée (HbA1c)", "%", "%", 2, 20),
    "PAIN_SEVERITY": Kind("Niveau de douleur", "1", "sur 10", 0, 10),
    "STEPS_BY_DAY": Kind("Nombre de pas", "1/(24.h)", "pas par jour", 0, 100000),
}
PRESSURE = {"SYSTOLIC": ("systolique", "Tension systolique (le grand chiffre)", 50, 300),
            "DIASTOLIC": ("diastolique", "Tension diastolique (le petit chiffre)", 20, 200)}
GLUCOSE_CONTEXTS = {"FASTING": "À jeun", "AFTER_MEAL": "Après un repas", "AFTER_EXERCISE": "Après un effort",
                    "MALAISE": "Pendant un malaise", "OTHER": "Autre"}
NUMBER = re.compile(r"^-?[0-9]+(?:[.,][0-9]+)?$")


def number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def entry_form(section: str, raw: dict[str, str]) -> Form:
    form = Form({name: raw.get(name, "").strip() for name in ("nom", "commentaire", "parent")})
    values = form.values
    if not values["nom"]:
        form.error("nom", "Saisissez le nom")
    elif len(values["nom"]) > 200:
        form.error("nom", "Le nom compte au plus 200 caractères")
    if len(values["commentaire"]) > 3000:
        form.error("commentaire", "Le commentaire compte au plus 3000 caractères")
    if section == "SECTION_FAMILY_HISTORY" and values["parent"] not in RELATIVES:
        form.error("parent", "Choisissez de quel membre de la famille il s’agit")
    if form.valid:
        form.clean = {"section": section, "name": values["nom"], "comment": values["commentaire"]}
        if section == "SECTION_FAMILY_HISTORY":
            form.clean["relative"] = values["parent"]
    return form


def _value(form: Form, name: str, label: str, low: float, high: float, shown: str) -> float | None:
    text = form.values.get(name, "")
    if not text:
        form.error(name, f"Saisissez {label}")
        return None
    if not NUMBER.match(text):
        form.error(name, f"Saisissez un nombre, par exemple {number(round((low + high) / 8, 1))}")
        return None
    value = float(text.replace(",", "."))
    if not low <= value <= high:
        form.error(name, f"La valeur doit être entre {number(low)} et {number(high)} {shown}")
        return None
    return value


def measurement_form(code: str, raw: dict[str, str], now: datetime) -> Form:
    names = ("valeur", "systolique", "diastolique", "contexte", "jour", "mois", "annee", "heure", "commentaire")
    form = Form({name: raw.get(name, "").strip() for name in names})
    kind = MEASURES[code]
    metrics: list[dict] = []
    if code == "BLOOD_PRESSURE":
        for metric, (name, label, low, high) in PRESSURE.items():
            value = _value(form, name, f"la tension {name}", low, high, kind.shown)
            if value is not None:
                metrics.append({"code": metric, "value": value, "unit": kind.unit})
        if len(metrics) == 2 and metrics[0]["value"] <= metrics[1]["value"]:
            form.error("systolique", "La tension systolique (le grand chiffre) doit dépasser la diastolique")
    else:
        value = _value(form, "valeur", "la valeur", kind.low, kind.high, kind.shown)
        if value is not None:
            metrics.append({"code": code, "value": value, "unit": kind.unit})
    if code == "GLUCOSE" and form.values["contexte"] not in GLUCOSE_CONTEXTS:
        form.error("contexte", "Choisissez quand la glycémie a été mesurée")
    when = parse_day(form, "", "la date de la mesure", required=True)
    at = parse_time(form, "heure")
    if len(form.values["commentaire"]) > 1000:
        form.error("commentaire", "Le commentaire compte au plus 1000 caractères")
    if when and at:
        moment = datetime(when.year, when.month, when.day, *at, tzinfo=PARIS)
        if moment > now:
            form.error("jour", "La mesure ne peut pas être dans le futur")
        elif form.valid:
            form.clean = {"code": code, "effectiveTime": utc(moment), "metrics": metrics,
                          "comment": form.values["commentaire"]}
            if code == "GLUCOSE":
                form.clean["context"] = form.values["contexte"]
    return form


def shown_value(measurement: dict) -> str:
    """"72,5 kg", "130/80 mmHg"."""
    kind = MEASURES.get(measurement.get("code", ""))
    metrics = {m.get("code", ""): float(m.get("value", 0)) for m in measurement.get("metrics", [])}
    shown = kind.shown if kind else ""
    if "SYSTOLIC" in metrics:
        return f"{number(metrics['SYSTOLIC'])}/{number(metrics.get('DIASTOLIC', 0))} {shown}"
    return " ".join(f"{number(v)} {shown}" for v in metrics.values())


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[tuple[str, str]]          # (polyline points, label) per series
    points: list[tuple[float, float, str]]  # (x, y, value said) per point
    ticks: list[tuple[float, str]]        # (y, label) on the vertical axis
    first: str
    last: str


def chart(measurements: list[dict], width: int = 600, height: int = 260) -> Chart | None:
    """The series of `measurements` (any order) in chronological order, scaled to the drawing."""
    timed = ((timestamp(m.get("effectiveTime")), m) for m in measurements)
    dated: list[tuple[datetime, dict]] = sorted(((t, m) for t, m in timed if t is not None), key=lambda pair: pair[0])
    if not dated:
        return None
    series: dict[str, list[tuple[datetime, float]]] = {}
    for moment, m in dated:
        for metric in m.get("metrics", []):
            series.setdefault(metric.get("code", ""), []).append((moment, float(metric.get("value", 0))))
    values = [v for s in series.values() for _, v in s]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    margin = (high - low) * 0.1
    low, high = low - margin, high + margin
    start, end = dated[0][0].timestamp(), dated[-1][0].timestamp()
    left, right, top, bottom = 60, width - 20, 20, height - 40

    def x(moment: datetime) -> float:
        return left + (right - left) / 2 if end == start else left + (moment.timestamp() - start) / (end - start) * (right - left)

    def y(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    lines: list[tuple[str, str]] = []
    points: list[tuple[float, float, str]] = []
    for code, s in series.items():
        lines.append((" ".join(f"{round(x(t), 1)},{y(v)}" for t, v in s), code))
        points.extend((round(x(t), 1), y(v), number(v)) for t, v in s)
    ticks = [(y(low + (high - low) * i / 4), number(round(low + (high - low) * i / 4, 1))) for i in range(5)]
    from portal.rendering import french_date
    return Chart(width, height, lines, points, ticks, french_date(dated[0][0].date().isoformat()),
                 french_date(dated[-1][0].date().isoformat()))
