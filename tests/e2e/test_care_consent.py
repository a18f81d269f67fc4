"""The professional's consent declaration through the gateway (DOMAIN §10.2): a professional who
never cared for a patient declares her consent, then reads her document; the patient's bell and
activity history show the declaration; she removes the professional, and her history shows that too."""
from __future__ import annotations

import grpc
import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import DEMO_PASSWORD, _nir, _patient, operator_token
from devtools.eventually import eventually
from demo_login import login
from e2e_actors import Actor, deposit

PASSWORD = "Tilleul-Nantes-1950!"


def own_patient(platform, identity, operator) -> tuple[str, httpx.Client]:
    """A patient of this test alone (the demo patient's history is counted by another test),
    activated and logged in through the gateway."""
    birth = "1950-04-12"
    nir = _nir("2", birth, "44", "109", "321")
    created = identity.CreateAccount(ipb.CreateAccountRequest(**{
        **_patient(), "nir": nir, "birth_date": birth, "given_name": "Odette", "family_name": "Consent"}),
        metadata=operator)
    client = httpx.Client(base_url=platform.gateway_url, timeout=30)
    activated = client.post("/v1/activations", json={
        "provisional_code": created.provisional_code, "nir": nir, "vitale_serial": _patient()["vitale_serial"],
        "login_id": "odette.consent", "password": PASSWORD, "email": "odette.consent@example.fr", "accept_terms": True})
    assert activated.status_code == 200, activated.text
    session = login(client, platform.mail_dir, "odette.consent", PASSWORD, "odette.consent@example.fr")
    client.headers["Authorization"] = f"Bearer {session['accessToken']}"
    return created.account.account_id, client


@pytest.fixture(scope="module")
def people(platform):
    demo = platform.demo
    operator = [("authorization", f"Bearer {operator_token(platform.key_file)}")]
    with grpc.insecure_channel(platform.address("identity")) as channel:
        identity = identity_pb2_grpc.IdentityServiceStub(channel)
        created = identity.CreateProfessional(ipb.CreateProfessionalRequest(
            rpps="10105550003", profession_code="10", given_name="Hugo", family_name="Remplaçant",
            login_id="dr.remplacant", password=DEMO_PASSWORD, email="hugo.remplacant@cabinet.example"),
            metadata=operator)
        patient_id, patient = own_patient(platform, identity, operator)
    newcomer = Actor(platform, "dr.remplacant", "hugo.remplacant@cabinet.example")
    gp = Actor(platform, demo["professionals"]["gp"]["login_id"], demo["professionals"]["gp"]["email"])
    return patient_id, created.professional_id, newcomer, gp, patient


def care_team_history(patient: httpx.Client, patient_id: str) -> list[dict]:
    page = patient.get(f"/v1/patients/{patient_id}/activity",
                       params={"resourceType": "care_team", "groups": "ACTIVITY_GROUP_GENERAL", "oldestFirst": "true"})
    assert page.status_code == 200, page.text
    return page.json().get("records", [])


def test_a_declared_professional_reads_and_the_patient_sees_the_declaration(people):
    patient_id, professional_id, newcomer, gp, patient = people
    document = deposit(gp, patient_id, "CR de consultation", "11488-4")
    outside = newcomer.read(patient_id, document)
    assert (outside.status_code, outside.json()["reason"]) == (403, "NOT_IN_CARE_TEAM"), outside.text

    declared = newcomer.client.post(f"/v1/patients/{patient_id}/care-team/declarations", json={})
    assert declared.status_code == 200, declared.text
    body = declared.json()
    assert (body["patientId"], body["professionalId"], body["source"], body["declared"]) == (
        patient_id, professional_id, "CARE_TEAM_SOURCE_DECLARED_BY_PROFESSIONAL", True)
    again = newcomer.client.post(f"/v1/patients/{patient_id}/care-team/declarations", json={})
    assert again.status_code == 200 and again.json().get("declared", False) is False

    assert newcomer.read(patient_id, document).status_code == 200

    def told() -> list[dict]:
        bell = patient.get(f"/v1/profiles/{patient_id}/notifications")
        assert bell.status_code == 200, bell.text
        return [n for n in bell.json().get("notifications", []) if n["eventType"] == "DECLARATION_CONSENTEMENT_PS"
                and "Hugo Remplaçant" in n["body"]]
    assert len(eventually(told, timeout=30, what="the declaration in the patient's bell")) == 1

    [record] = eventually(lambda: care_team_history(patient, patient_id), timeout=30, what="the declaration in the history")
    assert (record["actor"]["id"], record["actor"]["type"], record["rule"], record["resourceId"]) == (
        professional_id, "ACTOR_TYPE_HEALTHCARE_PROFESSIONAL", "care_consent_declaration", professional_id)
    assert record["resourceLabel"].startswith("Hugo Remplaçant déclare avoir recueilli votre consentement")

    team = patient.get(f"/v1/patients/{patient_id}/access-settings").json()["careTeam"]
    assert {"professionalId": professional_id, "source": "CARE_TEAM_SOURCE_DECLARED_BY_PROFESSIONAL"}.items() <= \
        next(m for m in team if m["professionalId"] == professional_id).items()

    removed = patient.delete(f"/v1/patients/{patient_id}/care-team/{professional_id}")
    assert removed.status_code == 200, removed.text
    assert professional_id not in {m["professionalId"] for m in removed.json().get("careTeam", [])}
    eventually(lambda: len(care_team_history(patient, patient_id)) == 2, timeout=30, what="the removal in the history")
    assert care_team_history(patient, patient_id)[-1]["resourceLabel"] == \
        "Retrait de Hugo Remplaçant de votre équipe de soins"
    assert newcomer.read(patient_id, document).status_code == 403          # removed: refused again


def test_a_change_of_her_emergency_settings_appears_in_her_history(people):
    patient_id, _, _, _, patient = people
    changed = patient.patch(f"/v1/patients/{patient_id}/access-settings/emergency",
                            json={"emergency": {"samuAccess": True, "breakGlass": False, "maskedInEmergency": True}})
    assert changed.status_code == 200, changed.text

    def settings_records() -> list[dict]:
        page = patient.get(f"/v1/patients/{patient_id}/activity",
                           params={"actions": "ACTION_SETTINGS_CHANGE", "groups": "ACTIVITY_GROUP_GENERAL"})
        assert page.status_code == 200, page.text
        return [r for r in page.json().get("records", []) if r.get("resourceType") == "access_settings"]
    [record] = eventually(settings_records, timeout=30, what="the settings change in her history")
    assert record["actor"]["id"] == patient_id and record["decision"] == "DECISION_ALLOWED"


def test_a_pharmacist_of_her_care_team_reads_a_prescription_but_not_a_psychiatric_synthesis(platform, people):
    patient_id, _, _, gp, patient = people
    pharmacist = platform.demo["professionals"]["pharmacist"]
    added = patient.post(f"/v1/patients/{patient_id}/care-team",
                         json={"professionalId": pharmacist["professional_id"]})
    assert added.status_code == 200, added.text
    reader = Actor(platform, pharmacist["login_id"], pharmacist["email"])
    prescription = deposit(gp, patient_id, "Ordonnance", "57833-6", "42")          # class 42 (DOMAIN §10.1)
    synthesis = deposit(gp, patient_id, "Synthèse psychiatrique", "68599-0", "11")  # class 11, médecins only
    assert reader.read(patient_id, prescription).status_code == 200
    refused = reader.read(patient_id, synthesis)
    assert refused.status_code == 404, refused.text        # refused by the matrix: told as a missing document
    listed = reader.client.get(f"/v1/patients/{patient_id}/documents")
    assert listed.status_code == 200, listed.text
    assert {d["documentId"] for d in listed.json().get("documents", [])} >= {prescription}
    assert synthesis not in listed.text


def test_only_professionals_declare_and_the_answer_is_problem_json(people):
    patient_id, _, newcomer, _, patient = people
    refused = patient.post(f"/v1/patients/{patient_id}/care-team/declarations", json={})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "PERMISSION_DENIED"
    unknown = newcomer.client.post("/v1/patients/00000000-0000-0000-0000-000000000000/care-team/declarations", json={})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Profil introuvable"
