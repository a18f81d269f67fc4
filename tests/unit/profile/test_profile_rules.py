"""The profile's rules without any server: partial dates, section fields, measurements' units and
ranges, the BMI."""
from __future__ import annotations

from datetime import date

import pytest

from meskit.errors import InvalidArgument
from profile.domain import entry_rules, measurement_rules as rules
from profile.domain import models as m
from profile.domain.models import Metric, PartialDate

TODAY = date(2026, 12, 2)


def _fields(section: str, **given):
    return entry_rules.normalise(section, given, today=TODAY, birth_date=date(1980, 5, 17))


@pytest.mark.parametrize("given, fault", [
    (PartialDate(0, 3, 0), "l'année est obligatoire"),
    (PartialDate(0, 0, 12), "l'année est obligatoire"),
    (PartialDate(2020, 0, 12), "un jour sans mois"),
    (PartialDate(2020, 2, 30), "date inexistante"),
    (PartialDate(2027, 0, 0), "année entre 1900 et 2026"),
])
def test_a_partial_date_needs_its_year_and_a_day_its_month(given, fault):
    with pytest.raises(InvalidArgument) as caught:
        _fields(m.DISEASES, name="Asthme", start=given)
    assert [v.field for v in caught.value.violations] == ["start"] and fault in caught.value.violations[0].description


def test_partial_dates_that_are_enough():
    assert _fields(m.DISEASES, name="Asthme", start=PartialDate(2020))["start"] == PartialDate(2020)
    assert _fields(m.DISEASES, name="Asthme", start=PartialDate(2020, 4), end=PartialDate(2021))["end"].year == 2021


def test_a_field_of_another_section_is_refused():
    with pytest.raises(InvalidArgument) as caught:
        _fields(m.ALLERGIES, name="Latex", dosage="1 cp")
    assert caught.value.violations[0].field == "dosage"


def test_family_history_needs_its_relative_and_a_vaccination_its_date_after_birth():
    with pytest.raises(InvalidArgument):
        _fields(m.FAMILY_HISTORY, name="Diabète")
    assert _fields(m.FAMILY_HISTORY, name="Diabète", relative="MOTHER")["relative"] == "MOTHER"
    with pytest.raises(InvalidArgument) as caught:
        _fields(m.VACCINATIONS, name="BCG", start=PartialDate(1979), vaccination_type="INITIMMUNIZ")
    assert "naissance" in caught.value.violations[0].description


def test_a_long_treatment_name_is_cut_and_kept_in_the_comment():
    name = "x" * 60
    fields = _fields(m.TREATMENTS, name=name)
    assert fields["name"] == "x" * 50 and name in fields["comment"]


def test_sections_without_entries():
    for section in (m.MEASUREMENTS, m.CARE_HISTORY, m.ADMINISTRATIVE_DOCUMENTS):
        with pytest.raises(InvalidArgument) as caught:
            _fields(section, name="x")
        assert caught.value.reason == "SECTION_NOT_EDITABLE"


@pytest.mark.parametrize("code, metrics, reason, said", [
    ("WEIGHT", [Metric("WEIGHT", 900, "kg")], "OUT_OF_RANGE", "0,3 à 500 kg"),
    ("BLOOD_PRESSURE", [Metric("SYSTOLIC", 20, "mm[Hg]"), Metric("DIASTOLIC", 300, "mm[Hg]")], "OUT_OF_RANGE",
     "50 à 300 mm[Hg]"),
    ("WEIGHT", [Metric("WEIGHT", 70, "lb")], "UNKNOWN_UNIT", "« kg » attendue"),
    ("BODY_TEMPERATURE", [Metric("", 37, "°C")], "UNKNOWN_UNIT", "« Cel » attendue"),
    ("BODY_MASS_INDEX", [Metric("", 22, "kg/m2")], "BMI_COMPUTED", "calculé"),
    ("SHOE_SIZE", [Metric("", 38, "1")], "UNKNOWN_MEASUREMENT", "Mesure inconnue"),
])
def test_measurements_are_refused_with_the_reason_and_the_range(code, metrics, reason, said):
    with pytest.raises(InvalidArgument) as caught:
        rules.check(code, tuple(metrics), comment="", context="", number_of_days=0)
    assert caught.value.reason == reason and said in caught.value.message


def test_measurements_accepted_and_the_bmi():
    assert rules.check("WEIGHT", (Metric("", 68.3, "kg"),), comment="", context="",
                       number_of_days=0) == (Metric("WEIGHT", 68.3, "kg"),)
    assert rules.check("GLUCOSE", (Metric("", 95, "mg/dL"),), comment="", context="FASTING", number_of_days=0)
    with pytest.raises(InvalidArgument):
        rules.check("GLUCOSE", (Metric("", 95, "mg/dL"),), comment="", context="", number_of_days=0)
    assert rules.bmi(68.3, 1.62) == 26.0
