"""The DMP demo scenario through the gateway: deposits, the care team, the matrix, masking, blocking,
break-glass, and the patient's history recording every read with the rule that decided."""
from __future__ import annotations

import grpc
import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import DEMO_PASSWORD, operator_token
from devtools.eventually import eventually
from devtools.smtp_sink import read_mails, text_of
from e2e_actors import Actor, deposit

WHY = "Patiente inconsciente aux urgences, antécédents inconnus"


@pytest.fixture(scope="module")
def scenario(platform, patient_session):
    demo = platform.demo
    patient_id = demo["patient"]["account_id"]
    actors = {role: Actor(platform, p["login_id"], p["email"]) for role, p in demo["professionals"].items()}
    with grpc.insecure_channel(platform.address("identity")) as channel:
        identity_pb2_grpc.IdentityServiceStub(channel).CreateProfessional(ipb.CreateProfessionalRequest(
            rpps="10105550001", profession_code="10", given_name="Léa", family_name="Urgentiste",
            specialty="Médecine d'urgence", login_id="dr.urgentiste", password=DEMO_PASSWORD,
            email="lea.urgentiste@hopital.example"),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")])
    actors["unrelated_doctor"] = Actor(platform, "dr.urgentiste", "lea.urgentiste@hopital.example")
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    return patient_id, actors, patient, demo, platform.mail_dir


def test_demo_scenario_and_every_read_in_the_history(scenario):
    patient_id, actors, patient, demo, platform_mail_dir = scenario
    typed = {"access.patient_family_name": demo["patient"]["family_name"].upper(),     # as read on her card
             "access.patient_given_name": demo["patient"]["given_name"],
             "access.patient_birth_date": demo["patient"]["birth_date"]}
    break_glass = {"access.mode": "ACCESS_MODE_BRIS_DE_GLACE", "access.justification": WHY, **typed}
    gp, physio, pharmacist, urgentist = (actors[r] for r in ("gp", "physiotherapist", "pharmacist",
                                                             "unrelated_doctor"))
    bilan = deposit(gp, patient_id, "CR de bilan fonctionnel", "47420-5")
    delivery = deposit(gp, patient_id, "CR d'accouchement", "15508-5")
    reads: list[tuple[str, int, str]] = []     # (who, status, document) of every read made

    def read(who: str, actor: Actor, document: str, expected: int, **query):
        response = actor.read(patient_id, document, **query)
        assert response.status_code == expected, (who, document, response.text)
        reads.append((who, response.status_code, document))
        return response

    read("physio", physio, bilan, 200)           # the demo GP and physiotherapist are in her care team
    # DOMAIN.md §1.4 (the seed matrix) opens 15508-5 to physiotherapists; the matrix decides.
    read("physio", physio, delivery, 200)
    refused = read("pharmacist", pharmacist, delivery, 403).json()     # not in her care team (DOMAIN §10.2)
    assert (refused["code"], refused["reason"]) == ("PERMISSION_DENIED", "NOT_IN_CARE_TEAM")
    pharmacist_id = demo["professionals"]["pharmacist"]["professional_id"]
    added = patient.post(f"/v1/patients/{patient_id}/care-team", json={"professionalId": pharmacist_id})
    assert added.status_code == 200, added.text
    read("pharmacist", pharmacist, delivery, 200)
    removed = patient.delete(f"/v1/patients/{patient_id}/care-team/{pharmacist_id}")
    assert removed.status_code == 200, removed.text
    assert read("pharmacist", pharmacist, delivery, 403).json()["reason"] == "NOT_IN_CARE_TEAM"

    masked = patient.post(f"/v1/patients/{patient_id}/documents/{bilan}:setVisibility", json={"masked": True})
    assert masked.status_code == 200, masked.text
    assert read("physio", physio, bilan, 404).json()["code"] == "NOT_FOUND"      # masked: told as missing
    read("gp", gp, bilan, 200)                                   # the author still reads

    blocked = patient.post(f"/v1/patients/{patient_id}/blocked-professionals", json={"professionalId": pharmacist_id})
    assert blocked.status_code == 200, blocked.text
    read("pharmacist", pharmacist, delivery, 403)

    read("urgentist", urgentist, delivery, 403)                  # outside her care team, normal access
    read("urgentist", urgentist, bilan, 403)                     # masked too: the care team decides first
    no_identity = read("urgentist", urgentist, bilan, 400, **{"access.mode": "ACCESS_MODE_BRIS_DE_GLACE",
                                                              "access.justification": WHY})
    reads.pop()                                                  # refused before anything is read: not audited
    assert no_identity.json()["code"] == "INVALID_ARGUMENT"
    read("urgentist", urgentist, bilan, 403, **{"access.mode": "ACCESS_MODE_BRIS_DE_GLACE", **typed})   # no justification
    wrong = read("urgentist", urgentist, bilan, 400, **{**break_glass, "access.patient_birth_date": "1901-02-03"})
    assert wrong.json()["reason"] == "PATIENT_IDENTITY_MISMATCH"
    assert demo["patient"]["birth_date"] not in wrong.text and demo["patient"]["family_name"] not in wrong.text
    read("urgentist", urgentist, bilan, 200, **break_glass)
    gp_address = demo["professionals"]["gp"].get("mssante_address") or demo["professionals"]["gp"]["email"]
    told = eventually(lambda: [m for m in read_mails(platform_mail_dir) if gp_address in m["To"]
                               and m["Subject"] == "Accès en urgence au dossier de votre patient(e)"
                               and "Urgentiste" in text_of(m)],
                      what="the médecin traitant told of the break-glass access")
    assert all(WHY not in text_of(m) for m in told)            # who accessed, not why (health data)

    opposed = patient.patch(f"/v1/patients/{patient_id}/access-settings/emergency",
                            json={"emergency": {"samuAccess": True, "breakGlass": False, "maskedInEmergency": True}})
    assert opposed.status_code == 200, opposed.text
    read("urgentist", urgentist, bilan, 403, **break_glass)

    history = _all_activity(patient, patient_id)
    document_reads = [r for r in history if r.get("resourceType") == "document" and r["action"] == "ACTION_READ"
                      and (r.get("resourceId") in (bilan, delivery)          # other tests read her space too
                           or r.get("rule") == "patient_identity_mismatch")]
    assert len(document_reads) == len(reads)
    refused = [r for r in document_reads if r["decision"] != "DECISION_ALLOWED"]
    assert len(refused) == sum(1 for _, status, _ in reads if status != 200)
    assert all(r["rule"] for r in document_reads)
    rules = {r["rule"] for r in document_reads}
    assert {"not_in_care_team", "masked_document", "blocked_professional", "break_glass_opposed",
            "patient_identity_mismatch"} <= rules
    with_justification = [r for r in document_reads if r.get("justification")]
    recorded = (f"Identité saisie : {typed['access.patient_family_name']} / {typed['access.patient_given_name']} / "
                f"{typed['access.patient_birth_date']}. {WHY}")
    assert any(r["justification"] == recorded and r["decision"] == "DECISION_ALLOWED" for r in with_justification)


def _all_activity(patient: httpx.Client, patient_id: str) -> list[dict]:
    records, token = [], ""
    while True:
        page = patient.get(f"/v1/patients/{patient_id}/activity", params={"pageSize": 200, "pageToken": token})
        assert page.status_code == 200, page.text
        body = page.json()
        records += body.get("records", [])
        token = body.get("nextPageToken", "")
        if not token:
            return records
