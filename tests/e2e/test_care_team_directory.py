"""The patient finds a professional in the directory and adds her to her care team, through the gateway:
before, the professional's normal-mode read is refused (NOT_IN_CARE_TEAM); after, it is allowed. Then
she reports that read as suspicious from her history, blocking the professional in the same step."""
from __future__ import annotations

import grpc
import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import DEMO_PASSWORD, operator_token
from e2e_actors import Actor, deposit


@pytest.fixture(scope="module")
def patient(platform, patient_session):
    with httpx.Client(base_url=platform.gateway_url, timeout=30,
                      headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"}) as client:
        yield client


@pytest.fixture(scope="module")
def physiotherapist(platform):
    """A physiotherapist of Vincennes the demo patient has never met."""
    with grpc.insecure_channel(platform.address("identity")) as channel:
        identity_pb2_grpc.IdentityServiceStub(channel).CreateProfessional(ipb.CreateProfessionalRequest(
            rpps="10105550002", profession_code="70", given_name="Hélène", family_name="Lefèvre-Annuaire",
            specialty="Masso-kinésithérapie", city="Vincennes", login_id="kine.lefevre",
            password=DEMO_PASSWORD, email="helene.lefevre@kine.example"),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")])
    return Actor(platform, "kine.lefevre", "helene.lefevre@kine.example")


def test_found_in_the_directory_added_to_the_care_team_then_reads(platform, patient, physiotherapist):
    patient_id = platform.demo["patient"]["account_id"]
    gp = platform.demo["professionals"]["gp"]
    report = deposit(Actor(platform, gp["login_id"], gp["email"]), patient_id, "CR de bilan fonctionnel", "47420-5")

    refused = physiotherapist.read(patient_id, report)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (refused.json()["code"], refused.json()["reason"]) == ("PERMISSION_DENIED", "NOT_IN_CARE_TEAM")

    found = patient.get("/v1/professionals", params={"query": "lefevre annuaire", "city": "vincennes",
                                                     "professionCode": "70"})
    assert found.status_code == 200, found.text
    (listed,) = found.json()["professionals"]
    assert (listed["givenName"], listed["city"], listed["rpps"]) == ("Hélène", "Vincennes", "10105550002")
    assert (listed.get("email", ""), listed.get("loginId", "")) == ("", "")

    added = patient.post(f"/v1/patients/{patient_id}/care-team", json={"professionalId": listed["professionalId"]})
    assert added.status_code == 200, added.text
    try:
        assert physiotherapist.read(patient_id, report).status_code == 200
    finally:
        removed = patient.delete(f"/v1/patients/{patient_id}/care-team/{listed['professionalId']}")
        assert removed.status_code == 200, removed.text
    assert physiotherapist.read(patient_id, report).json()["reason"] == "NOT_IN_CARE_TEAM"

    # From her history, the patient reports that read as suspicious and blocks the physiotherapist at once.
    history = patient.get(f"/v1/patients/{patient_id}/activity", params={"pageSize": 200})
    assert history.status_code == 200, history.text
    (allowed_read,) = [r for r in history.json()["records"] if r["actor"]["id"] == listed["professionalId"]
                       and r["action"] == "ACTION_READ" and r["decision"] == "DECISION_ALLOWED"]
    reported = patient.post(f"/v1/patients/{patient_id}/access-reports", json={
        "recordId": allowed_read["recordId"], "comment": "Je n'ai jamais consulté ce kinésithérapeute",
        "blockProfessional": True})
    assert reported.status_code == 200, reported.text
    assert (reported.json()["professionalId"], reported.json()["professionalBlocked"]) == \
        (listed["professionalId"], True)
    assert physiotherapist.read(patient_id, report).json()["reason"] == "BLOCKED_PROFESSIONAL"
    again = patient.post(f"/v1/patients/{patient_id}/access-reports",
                         json={"recordId": allowed_read["recordId"], "comment": "Encore"})
    assert (again.status_code, again.json()["reason"]) == (409, "ALREADY_REPORTED")
    unknown = patient.post(f"/v1/patients/{patient_id}/access-reports",
                           json={"recordId": "00000000-0000-4000-8000-000000000000", "comment": "?"})
    assert unknown.status_code == 404, unknown.text
    too_long = patient.post(f"/v1/patients/{patient_id}/access-reports",
                            json={"recordId": allowed_read["recordId"], "comment": "x" * 2001})
    assert too_long.status_code == 400 and {v["field"] for v in too_long.json()["violations"]} == {"comment"}


@pytest.mark.parametrize(("query", "field"), [({"query": "x" * 101}, "query"), ({"query": "Leroy", "pageSize": -1},
                                                                                  "page_size"),
                                              ({"query": "Leroy", "pageToken": "garbage"}, "page_token"), ({}, "query")])
def test_bad_searches_are_problems_naming_the_field(patient, query, field):
    response = patient.get("/v1/professionals", params=query)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {v["field"] for v in response.json()["violations"]}


def test_the_directory_needs_a_token(gateway):
    assert gateway.get("/v1/professionals", params={"query": "Leroy"}).status_code == 401
