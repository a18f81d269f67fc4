"""FHIR R4 Observations read as profile measurements, without any server: the 11 profiles' codes and
UCUM units, the plausible ranges, the glucose extensions, and every fault named where it is."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fhir_examples import APP_IDS, blood_pressure, body, bundle, days, device, glucose, moment, observation
from meskit.errors import InvalidArgument
from profile.domain import fhir_bundle, fhir_codes as codes, fhir_observation, fhir_rendering
from profile.domain.models import Measurement, Metric

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
AT = "Bundle.entry[3].resource"


def _read(resource: dict, at: str = AT):
    return fhir_observation.read(resource, at, NOW)


def _refused(resource: dict, at: str = AT) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        _read(resource, at)
    return caught.value


def _fields(error: InvalidArgument) -> list[str]:
    return [v.field for v in error.violations]


class TestReadObservation:
    def test_a_weight_becomes_a_measurement(self):
        reading = _read(observation(identifier="w-1", meta={"source": "urn:oid:1.2.250.1.999"},
                                    note=[{"text": "après le petit-déjeuner"}]))
        assert (reading.code, reading.metrics, reading.identifier) == (
            "WEIGHT", (Metric("WEIGHT", 72.5, "kg"),), (APP_IDS, "w-1"))
        assert reading.effective_time == datetime(2026, 12, 1, 7, 30, tzinfo=timezone.utc)
        assert (reading.source, reading.comment) == ("urn:oid:1.2.250.1.999", "après le petit-déjeuner")

    @pytest.mark.parametrize("code, value, unit, expected", [
        ("8302-2", 1.68, "m", "HEIGHT"), ("8280-0", 82, "cm", "WAIST_CIRCUMFERENCE"),
        ("8287-5", 41, "cm", "HEAD_CIRCUMFERENCE"), ("8310-5", 37.2, "Cel", "BODY_TEMPERATURE"),
        ("8867-4", 64, "/min", "HEART_RATE"), ("4548-4", 6.4, "%", "GLYCATED_HEMOGLOBIN"),
        ("72514-3", 3, "1", "PAIN_SEVERITY"), ("41950-7", 8500, "1/(24.h)", "STEPS_BY_DAY"),
    ])
    def test_the_profiles_without_extension(self, code, value, unit, expected):
        assert _read(observation(code, value, unit)).code == expected

    def test_a_blood_pressure_is_two_components(self):
        reading = _read(blood_pressure(128, 82))
        assert reading.metrics == (Metric("SYSTOLIC", 128, "mm[Hg]"), Metric("DIASTOLIC", 82, "mm[Hg]"))

    def test_glucose_takes_its_moment_and_interstitial_glucose_its_number_of_days(self):
        assert _read(glucose()).context == "FASTING"
        assert _read(glucose(extension=[moment("A05", codes.CISP2)])).context == "MALAISE"
        interstitial = _read(observation("MED-969", 120, "mg/dL", system=codes.TAASIP, extension=[days("GEN-277")]))
        assert (interstitial.code, interstitial.number_of_days) == ("INTERSTITIAL_GLUCOSE", 30)
        gmi = _read(observation("MED-972", 6.8, "%", system=codes.TAASIP, extension=[days("GEN-092")]))
        assert (gmi.code, gmi.number_of_days) == ("HEMOGLOBIN_GLYCATION_INDEX", 0)

    def test_a_wrong_unit_names_the_field_and_the_unit_expected(self):
        error = _refused(observation(value=160, unit="[lb_av]"))
        assert error.reason == "UNKNOWN_UNIT" and _fields(error) == [f"{AT}.valueQuantity.code"]
        assert "« kg » attendue" in error.violations[0].description
        no_code = observation()
        no_code["valueQuantity"] = {"value": 72.5, "unit": "lbs"}
        assert _fields(_refused(no_code)) == [f"{AT}.valueQuantity.unit"]

    def test_a_wrong_component_unit_names_its_component(self):
        pressure = blood_pressure()
        pressure["component"][1]["valueQuantity"]["code"] = "kPa"
        error = _refused(pressure)
        assert error.reason == "UNKNOWN_UNIT" and _fields(error) == [f"{AT}.component[1].valueQuantity.code"]

    def test_out_of_range_says_the_range(self):
        error = _refused(observation(value=900))
        assert error.reason == "OUT_OF_RANGE" and _fields(error) == [f"{AT}.valueQuantity.value"]
        assert "0,3 à 500 kg" in error.violations[0].description
        pressure = _refused(blood_pressure(128, 250))
        assert _fields(pressure) == [f"{AT}.component[1].valueQuantity.value"]
        assert "20 à 200" in pressure.violations[0].description

    def test_the_bmi_is_computed_never_posted(self):
        error = _refused(observation("39156-5", 24.5, "kg/m2"))
        assert _fields(error) == [f"{AT}.code"] and "calculé" in error.violations[0].description

    def test_an_observation_without_value_is_refused(self):
        assert _fields(_refused(observation(value=None))) == [f"{AT}.value[x]"]
        absent = observation(value=None, dataAbsentReason={"text": "capteur débranché"})
        assert _fields(_refused(absent)) == [f"{AT}.value[x]"]
        empty = observation()
        del empty["valueQuantity"]["value"]
        assert _fields(_refused(empty)) == [f"{AT}.valueQuantity.value"]
        assert _fields(_refused(observation(value=None, valueString="72"))) == [f"{AT}.valueString"]

    def test_glucose_needs_its_moment_and_gmi_its_number_of_days(self):
        error = _refused(glucose(extension=[]))
        assert _fields(error) == [f"{AT}.extension"] and codes.MOMENT_EXTENSION in error.violations[0].description
        gmi = _refused(observation("MED-972", 6.8, "%", system=codes.TAASIP))
        assert _fields(gmi) == [f"{AT}.extension"] and codes.DAYS_EXTENSION in gmi.violations[0].description
        unknown_moment = _refused(glucose(extension=[moment("88365-2")]))
        assert _fields(unknown_moment) == [f"{AT}.extension[0].valueCodeableConcept"]

    def test_an_extension_not_allowed_for_the_type_is_refused(self):
        weight = _refused(observation(extension=[moment()]))
        assert _fields(weight) == [f"{AT}.extension[0]"]
        other = _refused(glucose(extension=[moment(), {"url": "https://app.example/battery", "valueInteger": 80}]))
        assert _fields(other) == [f"{AT}.extension[1]"] and "https://app.example/battery" in \
            other.violations[0].description
        assert _fields(_refused(observation(modifierExtension=[{"url": "x"}]))) == [f"{AT}.modifierExtension"]

    def test_structure_faults_are_all_named(self):
        resource = observation(status="entered-in-error", effectiveDateTime="2026-12-01",
                               identifier=[{"value": "no-system"}])
        assert _fields(_refused(resource)) == [f"{AT}.status", f"{AT}.effectiveDateTime", f"{AT}.identifier[0]"]
        assert _fields(_refused(observation("1234-5"))) == [f"{AT}.code"]
        assert _fields(_refused(observation("29463-7", system="http://snomed.info/sct"))) == [f"{AT}.code"]

    @pytest.mark.parametrize("resource, field", [
        (observation(value=10 ** 400), f"{AT}.valueQuantity.value"),
        (observation(value=float("nan")), f"{AT}.valueQuantity.value"),
        (observation(value=True), f"{AT}.valueQuantity.value"),
        (observation(code={"coding": [{"system": ["x"], "code": {"a": 1}}]}), f"{AT}.code"),
        (observation(effectiveDateTime="٢٠٢٦-12-01T08:30:00Z"), f"{AT}.effectiveDateTime"),
        (observation(effectiveDateTime="2026-02-30T08:30:00Z"), f"{AT}.effectiveDateTime"),
        (observation(meta="urn:oid:1"), f"{AT}.meta.source"),
        (observation(note="texte"), f"{AT}.note"),
        (observation(extension={"url": "x"}), f"{AT}.extension"),
    ])
    def test_hostile_values_are_refused_not_crashed_on(self, resource, field):
        assert _fields(_refused(resource)) == [field]

    def test_a_future_measurement_is_refused(self):
        error = _refused(observation(effectiveDateTime="2027-01-01T00:00:00Z"))
        assert error.reason == "EFFECTIVE_TIME_FUTURE" and _fields(error) == [f"{AT}.effectiveDateTime"]

    def test_a_wrong_resource_type_is_refused(self):
        assert _fields(_refused({"resourceType": "Patient"}, "Observation")) == ["Observation.resourceType"]

    def test_a_resent_observation_has_the_same_content_and_a_changed_one_not(self):
        first = _read(observation(identifier="w-1"))
        stored = _stored(first)
        assert _read(observation(identifier="w-1", meta={"source": "urn:oid:9"})).same_content(stored)
        assert not _read(observation(value=73, identifier="w-1")).same_content(stored)


def _stored(reading):
    return Measurement(measurement_id="m-1", patient_id="p-1", code=reading.code, effective_time=reading.effective_time,
                       metrics=reading.metrics, comment=reading.comment, context=reading.context,
                       number_of_days=reading.number_of_days, author_type="EDITOR_SOLUTION", author_id="app-1",
                       created_at=NOW)


class TestParseSubmission:
    def test_a_bundle_of_observations_and_devices(self):
        submission = fhir_bundle.parse(body(bundle(glucose(), devices=(device(),))), single=False)
        assert submission.kind == "transaction" and len(submission.entries) == 2
        assert submission.devices == {"Device/meter-1", "urn:uuid:2f1c0d4e-8a51-4bb4-9d7e-3c1a9b0e5f11"}
        assert submission.entries[1].path == "Bundle.entry[1].resource"

    def test_one_observation_alone(self):
        submission = fhir_bundle.parse(body(observation()), single=True)
        assert submission.kind == "single" and submission.entries[0].path == "Observation"

    def test_malformed_json_is_refused(self):
        with pytest.raises(InvalidArgument) as caught:
            fhir_bundle.parse(b'{"resourceType": "Bundle", ', single=False)
        assert caught.value.reason == "FHIR_MALFORMED"
        with pytest.raises(InvalidArgument):
            fhir_bundle.parse(b"\xff\xfe", single=True)

    @pytest.mark.parametrize("document, field", [
        ({"resourceType": "Observation"}, "Bundle.resourceType"),
        ([1, 2], "Bundle.resourceType"),
        ({"resourceType": "Bundle", "type": "collection", "entry": []}, "Bundle.type"),
        ({"resourceType": "Bundle", "type": "batch"}, "Bundle.entry"),
    ])
    def test_a_wrong_resource_type_or_bundle_type_is_refused(self, document, field):
        with pytest.raises(InvalidArgument) as caught:
            fhir_bundle.parse(body(document), single=False)
        assert _fields(caught.value) == [field]
        with pytest.raises(InvalidArgument) as alone:
            fhir_bundle.parse(body(bundle(observation())), single=True)
        assert _fields(alone.value) == ["Observation.resourceType"]

    def test_deeply_nested_json_is_malformed(self):
        with pytest.raises(InvalidArgument) as caught:
            fhir_bundle.parse(b"[" * 100000 + b"]" * 100000, single=False)
        assert caught.value.reason == "FHIR_MALFORMED"

    def test_at_most_1000_observations(self):
        assert len(fhir_bundle.parse(body(bundle(*[observation()] * 1000, kind="batch")), single=False).entries) == 1000
        with pytest.raises(InvalidArgument) as caught:
            fhir_bundle.parse(body(bundle(*[observation()] * 1001, kind="batch")), single=False)
        assert caught.value.reason == "TOO_MANY_ENTRIES" and "1000 Observations au plus" in caught.value.message

    def test_an_entry_of_another_type_or_without_its_request_is_faulty(self):
        document = bundle(observation(), {"resourceType": "Patient"}, kind="batch")
        del document["entry"][0]["request"]
        entries = fhir_bundle.parse(body(document), single=False).entries
        assert _fields(entries[0].fault) == ["Bundle.entry[0].request"]
        assert _fields(entries[1].fault) == ["Bundle.entry[1].resource.resourceType"]


class TestRendering:
    def test_a_stored_glucose_is_written_back_as_its_observation(self):
        reading = _read(glucose(identifier="g-1"))
        written = fhir_rendering.observation(_stored(reading))
        again = _read(written)
        assert (again.code, again.metrics, again.context, again.effective_time) == (
            "GLUCOSE", reading.metrics, "FASTING", reading.effective_time)
        assert written["subject"] == {"reference": "Patient/p-1"}

    def test_a_stored_blood_pressure_is_written_back_as_components(self):
        written = fhir_rendering.observation(_stored(_read(blood_pressure())))
        assert [c["valueQuantity"]["value"] for c in written["component"]] == [128, 82]
        assert "valueQuantity" not in written
