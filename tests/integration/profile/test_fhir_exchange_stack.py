"""The FHIR R4 measures exchange over the real stack: a glucose meter referenced in identity's catalogue
and paired with a holder posts and searches Observations with its app token; the holder sees its
measurements under its name and its accesses in her history."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import grpc
import pytest
from mes.audit.v1 import audit_pb2
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.profile.v1 import profile_pb2 as pb
from mes.web.v1 import web_pb2

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "profile"))

from devtools.eventually import eventually  # noqa: E402
from devtools.rpc_errors import error_details, error_of  # noqa: E402
from fhir_examples import blood_pressure, body, bundle, device, glucose, moment, observation  # noqa: E402
from fhir_pairing import (APP_NAME, REPORTS, bearer, catalogue, pair_through_oauth,  # noqa: E402
                          reference_glucometer, refresh_through_oauth)

BASE = "https://mes.example"


@pytest.fixture(scope="module")
def glucometer(pstack) -> cpb.ReferencedApp:
    return reference_glucometer(pstack)


@pytest.fixture(scope="module")
def app_id(glucometer) -> str:
    return glucometer.app.app_id


@pytest.fixture
def paired(pstack, glucometer):
    """(patient, the app's token metadata) after the pairing through OAuth."""
    patient, login_id = pstack.new_holder()
    return patient, bearer(pair_through_oauth(pstack, glucometer, login_id))


def _post(pstack, metadata, document: dict, path: str = "/fhir/r4") -> web_pb2.WebResponse:
    return pstack.profile.SubmitObservations(web_pb2.WebRequest(
        method="POST", path=path, body=body(document), base_url=BASE,
        headers=[web_pb2.Header(name="content-type", value="application/fhir+json")]), metadata=metadata, timeout=30)


def _search(pstack, metadata, query: str) -> web_pb2.WebResponse:
    return pstack.profile.SearchObservations(web_pb2.WebRequest(method="GET", path="/fhir/r4/Observation",
                                                                query=query, base_url=BASE),
                                             metadata=metadata, timeout=10)


def _json(response: web_pb2.WebResponse) -> dict:
    assert {h.name: h.value for h in response.headers}["content-type"] == "application/fhir+json"
    return json.loads(response.body)


def _history(pstack, patient: str, code: str) -> list[pb.Measurement]:
    return list(pstack.profile.ListMeasurements(pb.ListMeasurementsRequest(patient_id="me", code=code),
                                                metadata=pstack.patient(patient), timeout=10).measurements)


def _app_records(pstack, patient: str, action) -> list[audit_pb2.Record]:
    return [r for r in pstack.records(patient) if r.group == audit_pb2.ACTIVITY_GROUP_SERVICE_TIERS
            and r.action == action]


class TestPairedThroughOAuth:
    def test_the_paired_app_posts_and_reads_the_holder_sees_it_and_her_withdrawal_stops_it(self, pstack,
                                                                                            glucometer):
        patient, login_id = pstack.new_holder()
        tokens = pair_through_oauth(pstack, glucometer, login_id)
        app = bearer(tokens)
        created = _post(pstack, app, bundle(glucose(112, identifier="lv-1", extension=[moment("16915-1")])))
        assert [e["response"]["status"] for e in _json(created)["entry"]] == ["201 Created"]
        [seen] = _history(pstack, patient, "GLUCOSE")
        assert (seen.author_name, seen.context, seen.metrics[0].value) == (APP_NAME, "AFTER_MEAL", 112)
        found = _json(_search(pstack, app, "code=2345-7&_sort=-date&_count=1"))
        assert [e["resource"]["id"] for e in found["entry"]] == [seen.measurement_id]
        history = eventually(lambda: _app_records(pstack, patient, audit_pb2.ACTION_CREATE), timeout=10)
        assert history[0].actor.display_name == APP_NAME and _app_records(pstack, patient, audit_pb2.ACTION_READ)

        catalogue(pstack).SetConsents(cpb.SetConsentsRequest(patient_id=patient, app_id=glucometer.app.app_id,
                                                             purposes=[REPORTS]),
                                      metadata=pstack.patient(patient), timeout=10)
        for call in (lambda: _post(pstack, app, glucose(), "/fhir/r4/Observation"),
                     lambda: _search(pstack, app, "code=2345-7&_sort=-date&_count=1")):
            refused = error_of(call)
            assert (refused.code(), error_details(refused)[1]) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                   "CONSENT_NOT_GIVEN")
        assert refresh_through_oauth(pstack, glucometer, tokens["refresh_token"]).status == 400
        assert len(_history(pstack, patient, "GLUCOSE")) == 1


class TestSubmitObservations:
    def test_a_transaction_stores_the_measurements_the_holder_sees_under_the_app_s_name(self, pstack, paired, app_id):
        patient, app = paired
        response = _post(pstack, app, bundle(glucose(identifier="g-1", device={"reference": "Device/meter-1"}),
                                             blood_pressure(), devices=(device(),)))
        answer = _json(response)
        assert response.status == 200 and answer["type"] == "transaction-response"
        assert [e["response"]["status"] for e in answer["entry"]] == ["200 OK", "201 Created", "201 Created"]
        [seen] = _history(pstack, patient, "GLUCOSE")
        assert answer["entry"][1]["response"]["location"] == f"Observation/{seen.measurement_id}"
        assert (seen.author_type, seen.author_name, seen.context, seen.metrics[0].value) == (
            "EDITOR_SOLUTION", APP_NAME, "FASTING", 98)
        assert [m.code for m in _history(pstack, patient, "BLOOD_PRESSURE")[0].metrics] == ["SYSTOLIC", "DIASTOLIC"]
        created = eventually(lambda: _app_records(pstack, patient, audit_pb2.ACTION_CREATE), timeout=10)
        assert (created[0].actor.type, created[0].actor.id, created[0].actor.display_name) == (
            audit_pb2.ACTOR_TYPE_SERVICE_TIERS, app_id, APP_NAME)

    def test_a_resent_observation_stores_nothing_new_and_a_changed_one_is_a_conflict(self, pstack, paired):
        patient, app = paired
        first = _post(pstack, app, glucose(identifier="g-7"), "/fhir/r4/Observation")
        again = _post(pstack, app, glucose(identifier="g-7"), "/fhir/r4/Observation")
        location = {h.name: h.value for h in first.headers}["location"]
        assert (first.status, again.status) == (201, 200)
        assert {h.name: h.value for h in again.headers}["location"] == location
        assert location == f"{BASE}/fhir/r4/Observation/{_json(first)['id']}"
        conflict = error_of(lambda: _post(pstack, app, glucose(130, identifier="g-7"), "/fhir/r4/Observation"))
        assert conflict.code() == grpc.StatusCode.ALREADY_EXISTS
        assert error_details(conflict) == ({"Observation.identifier[0]"}, "IDENTIFIER_CONFLICT")
        assert [m.metrics[0].value for m in _history(pstack, patient, "GLUCOSE")] == [98]

    @pytest.mark.parametrize("document, fields, reason", [
        (bundle(glucose(), observation(value=160, unit="[lb_av]")),
         {"Bundle.entry[1].resource.valueQuantity.code"}, "UNKNOWN_UNIT"),
        (bundle(glucose(1500)), {"Bundle.entry[0].resource.valueQuantity.value"}, "OUT_OF_RANGE"),
        (bundle(observation("39156-5", 24.5, "kg/m2")), {"Bundle.entry[0].resource.code"}, "BMI_COMPUTED"),
        (bundle(glucose(extension=[])), {"Bundle.entry[0].resource.extension"}, "FHIR_INVALID"),
        (bundle(glucose(None)), {"Bundle.entry[0].resource.value[x]"}, "FHIR_INVALID"),
        (bundle(glucose(extension=[{"url": "https://app.example/battery", "valueInteger": 80}])),
         {"Bundle.entry[0].resource.extension[0]", "Bundle.entry[0].resource.extension"}, "FHIR_INVALID"),
        (bundle(*[glucose()] * 1001, kind="batch"), {"Bundle.entry"}, "TOO_MANY_ENTRIES"),
        ({"resourceType": "Patient"}, {"Bundle.resourceType"}, "FHIR_MALFORMED"),
    ])
    def test_invalid_input_is_invalid_argument_naming_the_field_and_stores_nothing(self, pstack, paired, document,
                                                                                   fields, reason):
        patient, app = paired
        error = error_of(lambda: _post(pstack, app, document))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(error) == (fields, reason)
        assert _history(pstack, patient, "GLUCOSE") == []

    def test_a_thousand_invalid_entries_fit_in_one_answer(self, pstack, paired):
        _, app = paired
        error = error_of(lambda: _post(pstack, app, bundle(*[glucose(1500)] * 1000)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        fields, reason = error_details(error)
        assert reason == "FHIR_INVALID" and "Bundle.entry" in fields and len(fields) == 11

    def test_malformed_json_is_invalid_argument(self, pstack, paired):
        _, app = paired
        error = error_of(lambda: pstack.profile.SubmitObservations(web_pb2.WebRequest(
            method="POST", path="/fhir/r4", body=b'{"resourceType": "Bundle",', base_url=BASE), metadata=app,
            timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error_details(error)[1] == "FHIR_MALFORMED"

    def test_a_batch_answers_each_entry(self, pstack, paired):
        patient, app = paired
        answer = _json(_post(pstack, app, bundle(glucose(), glucose(5), observation(), kind="batch")))
        assert [e["response"]["status"] for e in answer["entry"]] == [
            "201 Created", "422 Unprocessable Entity", "403 Forbidden"]
        assert answer["entry"][2]["response"]["outcome"]["issue"][0]["diagnostics"] == "Consent not given"
        assert len(_history(pstack, patient, "GLUCOSE")) == 1


class TestSearchObservations:
    def test_a_date_range_is_paged_and_audited(self, pstack, paired, app_id):
        patient, app = paired
        _post(pstack, app, bundle(*[glucose(90 + i, effectiveDateTime=f"2026-11-2{i}T08:00:00+01:00")
                                    for i in range(3)]))
        answer = _json(_search(pstack, app, "code=2345-7&date=ge2026-11-01&date=le2026-11-30&_count=2"))
        assert answer["type"] == "searchset"
        assert [e["resource"]["valueQuantity"]["value"] for e in answer["entry"]] == [92, 91]
        next_link = next(link["url"] for link in answer["link"] if link["relation"] == "next")
        assert next_link.startswith(f"{BASE}/fhir/r4/Observation?") and "_offset=2" in next_link
        rest = _json(_search(pstack, app, next_link.split("?", 1)[1]))
        assert [e["resource"]["valueQuantity"]["value"] for e in rest["entry"]] == [90]
        last = _json(_search(pstack, app, "code=http://loinc.org|2345-7&_sort=-date&_count=1"))
        assert [e["resource"]["effectiveDateTime"][:10] for e in last["entry"]] == ["2026-11-22"]
        reads = _app_records(pstack, patient, audit_pb2.ACTION_READ)
        assert len(reads) == 3 and {(r.actor.id, r.actor.display_name) for r in reads} == {(app_id, APP_NAME)}

    @pytest.mark.parametrize("query, field", [
        ("code=2345-7", "date"), ("date=ge2026-11-01&date=le2026-11-30", "code"),
        ("code=2345-7&date=ge2026-11-01&date=le2026-11-30&_count=101", "_count"),
    ])
    def test_bad_searches_are_invalid_argument(self, pstack, paired, query, field):
        error = error_of(lambda: _search(pstack, paired[1], query))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error_details(error)[0] == {field}


class TestWhoExchanges:
    def test_a_code_not_consented_is_refused(self, pstack, paired):
        _, app = paired
        for call in (lambda: _post(pstack, app, observation(), "/fhir/r4/Observation"),       # no WRITE of weights
                     lambda: _search(pstack, app, "code=85354-9&_sort=-date&_count=1")):      # no READ of pressures
            refused = error_of(call)
            assert (refused.code(), refused.details(), error_details(refused)[1]) == (
                grpc.StatusCode.PERMISSION_DENIED, "Consent not given", "CONSENT_NOT_GIVEN")

    def test_a_suspended_app_s_token_stops_at_once(self, pstack):
        suspended = reference_glucometer(pstack)
        _, login_id = pstack.new_holder()
        app = bearer(pair_through_oauth(pstack, suspended, login_id))
        assert _post(pstack, app, glucose(), "/fhir/r4/Observation").status == 201
        catalogue(pstack).SetAppStatus(cpb.SetAppStatusRequest(app_id=suspended.app.app_id, status=cpb.APP_STATUS_SUSPENDUE,
                                                       reason="Contrôle de sécurité"), metadata=pstack.operator,
                               timeout=10)
        for call in (lambda: _post(pstack, app, glucose(), "/fhir/r4/Observation"),
                     lambda: _search(pstack, app, "code=2345-7&_sort=-date&_count=1")):
            refused = error_of(call)
            assert refused.code() == grpc.StatusCode.UNAUTHENTICATED and error_details(refused)[1] == "APP_TOKEN_REVOKED"

    def test_people_use_the_profile_s_own_rpcs(self, pstack, paired):
        patient, _ = paired
        error = error_of(lambda: _post(pstack, pstack.patient(patient), glucose(), "/fhir/r4/Observation"))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED and error_details(error)[1] == "APP_ONLY"
