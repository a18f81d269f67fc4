"""The FHIR R4 vocabulary of the measures exchange (DOMAIN §9, the ANS "Mesures de santé" guide): which
coding stands for which profile measurement code (§5.2), and the glucose extensions with their codes.
Units, ranges and required contexts stay in measurement_rules."""
from __future__ import annotations

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# The ANS terminology systems the guide's value sets draw from (JDV_J154, J157, J164).
TAASIP = "https://mos.esante.gouv.fr/NOS/TRE_R308-TAASIP/FHIR/TRE-R308-TAASIP"
CISP2 = "https://mos.esante.gouv.fr/NOS/TRE_R313-CISP2/FHIR/TRE-R313-CISP2"
VITAL_SIGNS = ("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")

# The guide's extensions (MesMomentOfMeasurement, MesNumberOfDays), by their canonical URLs.
STRUCTURE_DEFINITIONS = "https://interop.esante.gouv.fr/ig/fhir/mesures/StructureDefinition/"
MOMENT_EXTENSION = STRUCTURE_DEFINITIONS + "mesures-moment-of-measurement"
DAYS_EXTENSION = STRUCTURE_DEFINITIONS + "mesures-number-of-days"

# measurement code -> its Observation.code coding (system, code)
CODINGS = {
    "WEIGHT": (LOINC, "29463-7"),
    "HEIGHT": (LOINC, "8302-2"),
    "BODY_MASS_INDEX": (LOINC, "39156-5"),
    "WAIST_CIRCUMFERENCE": (LOINC, "8280-0"),
    "HEAD_CIRCUMFERENCE": (LOINC, "8287-5"),
    "BODY_TEMPERATURE": (LOINC, "8310-5"),
    "HEART_RATE": (LOINC, "8867-4"),
    "BLOOD_PRESSURE": (LOINC, "85354-9"),
    "GLUCOSE": (LOINC, "2345-7"),
    "INTERSTITIAL_GLUCOSE": (TAASIP, "MED-969"),
    "GLYCATED_HEMOGLOBIN": (LOINC, "4548-4"),
    "HEMOGLOBIN_GLYCATION_INDEX": (TAASIP, "MED-972"),
    "PAIN_SEVERITY": (LOINC, "72514-3"),
    "STEPS_BY_DAY": (LOINC, "41950-7"),
}
MEASUREMENT_CODES = {coding: code for code, coding in CODINGS.items()}
# The blood pressure's components (its metrics' codes).
COMPONENT_CODINGS = {"SYSTOLIC": (LOINC, "8480-6"), "DIASTOLIC": (LOINC, "8462-4")}
COMPONENTS = {coding: code for code, coding in COMPONENT_CODINGS.items()}

# The extension each measurement requires (and the only one it takes).
EXTENSIONS = {"GLUCOSE": MOMENT_EXTENSION, "INTERSTITIAL_GLUCOSE": DAYS_EXTENSION,
              "HEMOGLOBIN_GLYCATION_INDEX": DAYS_EXTENSION}
# MesMomentOfMeasurement's codings (JDV_J157) -> the glucose context. "Avant repas" (88365-2) has no
# context of its own in the profile and is refused.
MOMENTS = {(LOINC, "53049-3"): "FASTING", (LOINC, "16915-1"): "AFTER_MEAL", (LOINC, "LA11865-5"): "AFTER_EXERCISE",
           (CISP2, "A05"): "MALAISE", (LOINC, "LA46-8"): "OTHER"}
MOMENT_CODINGS = {context: coding for coding, context in MOMENTS.items()}
# MesNumberOfDays's codings (JDV_J164) -> the number of days (0: other).
DAYS = {(TAASIP, "GEN-275"): 7, (TAASIP, "GEN-276"): 14, (TAASIP, "GEN-277"): 30, (TAASIP, "GEN-278"): 90,
        (TAASIP, "GEN-092"): 0}
DAYS_CODINGS = {days: coding for coding, days in DAYS.items()}


def measurement_code(loinc_or_coding: str) -> str:
    """A search's `code` token (`29463-7` or `http://loinc.org|29463-7`) -> the measurement code, "" if none."""
    system, _, code = loinc_or_coding.rpartition("|")
    return next((name for (s, c), name in MEASUREMENT_CODES.items() if c == code and system in ("", s)), "")
