"""Through the gateway: the demo patient asks why a profession, or a named professional, may or may
not read one of her documents; the answer names the deciding rule in French, and the question is
in her history."""
from __future__ import annotations

import httpx
import pytest

from e2e_actors import Actor, deposit


@pytest.fixture(scope="module")
def asked(platform, patient_session):
    demo = platform.demo
    patient_id = demo["patient"]["account_id"]
    gp = demo["professionals"]["gp"]
    report = deposit(Actor(platform, gp["login_id"], gp["email"]), patient_id, "CR d'accouchement", "15508-5")
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    return patient_id, report, patient, demo


def test_the_explanation_names_the_deciding_rule(asked):
    patient_id, report, patient, demo = asked
    url = f"/v1/patients/{patient_id}/documents/{report}/access-explanation"
    optician = patient.get(url, params={"professionCode": "28"})
    assert optician.status_code == 200, optician.text
    body = optician.json()
    assert (body["allowed"], body["rule"]) == (False, "matrix_denied")
    assert "la matrice d'habilitation du DMP ne permet pas à la profession « Opticien-lunetier »" in body["explanation"]
    assert [e["mode"] for e in body["emergency"]] == ["ACCESS_MODE_BRIS_DE_GLACE", "ACCESS_MODE_CENTRE_15"]
    assert all(e["explanation"].startswith("En urgence") for e in body["emergency"])
    physio = demo["professionals"]["physiotherapist"]
    named = patient.get(url, params={"professional_id": physio["professional_id"]}).json()
    assert named["subject"] == "Marc Leroy (Masseur-kinésithérapeute)"
    assert named["rule"] in ("matrix_allowed", "not_in_care_team") and named["explanation"].startswith("Marc Leroy")
    history = patient.get(f"/v1/patients/{patient_id}/activity", params={"pageSize": 200}).json()["records"]
    assert any(r.get("resourceId") == report and r["rule"] == "explain_document_access" for r in history)


def test_bad_questions_and_unknown_documents(asked):
    patient_id, report, patient, _ = asked
    url = f"/v1/patients/{patient_id}/documents/{report}/access-explanation"
    unknown_profession = patient.get(url, params={"professionCode": "99"})
    assert unknown_profession.status_code == 400 and unknown_profession.json()["code"] == "INVALID_ARGUMENT"
    neither = patient.get(url)
    assert neither.status_code == 400
    missing = patient.get(f"/v1/patients/{patient_id}/documents/00000000-0000-0000-0000-000000000000"
                          "/access-explanation", params={"professionCode": "10"})
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
