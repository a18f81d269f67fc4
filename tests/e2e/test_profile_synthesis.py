"""The medical profile through the gateway: the demo patient (her profile seeded: allergies, treatments,
a weight series) reads it, a measurement out of range is refused with the range said, she saves her
synthesis, and her GP reads that PDF through the documents API: it shows her profile."""
from __future__ import annotations

import io

import httpx
import pytest
from pypdf import PdfReader

from e2e_actors import Actor


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def her(platform, patient_session):
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    yield platform.demo["patient"]["account_id"], patient
    patient.close()


def test_the_gp_reads_her_synthesis_through_documents(platform, her):
    patient_id, patient = her
    profile = ok(patient.get(f"/v1/patients/{patient_id}/profile"))
    assert {"Pénicilline", "Levothyrox 75 µg"} <= {e.get("name") for e in profile["entries"]}
    weights = ok(patient.get(f"/v1/patients/{patient_id}/profile/measurements", params={"code": "WEIGHT"}))
    assert [m["metrics"][0]["value"] for m in weights["measurements"]] == [68.3, 69.0, 70.2, 71.4]

    heavy = patient.post(f"/v1/patients/{patient_id}/profile/measurements", json={"measurement": {
        "code": "WEIGHT", "effectiveTime": "2026-01-05T08:00:00Z", "metrics": [{"value": 900, "unit": "kg"}]}})
    assert heavy.status_code == 400 and "500" in heavy.text, heavy.text

    saved = ok(patient.post(f"/v1/patients/{patient_id}/profile/synthesis", json={"visible": True}))
    gp = platform.demo["professionals"]["gp"]
    doctor = Actor(platform, gp["login_id"], gp["email"])
    document = doctor.read(patient_id, saved["documentId"])
    assert document.status_code == 200, document.text
    assert document.json()["typeCode"] == "DOCPAT08"
    pdf = doctor.client.get(f"/v1/patients/{patient_id}/documents/{saved['documentId']}:download")
    assert pdf.status_code == 200, pdf.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Pénicilline" in text and "Levothyrox" in text and "68,3 kg" in text
