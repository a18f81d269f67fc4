"""Acceptance 3 of issue 14 through the gateway: the demo patient asks for "Télécharger mes données",
is told when the archive is ready, downloads one ZIP that holds her documents byte for byte
(and every service's part: identity, messaging, agenda, profile, audit; her activity history
verifies offline against the signed head it carries); a second request while one runs is refused; nobody else may ask."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import httpx
import pytest

from devtools.eventually import eventually
from devtools.platform import ROOT, python_path
from e2e_actors import Actor, deposit
from family import bell


@pytest.fixture(scope="module")
def patient(platform, patient_session):
    with httpx.Client(base_url=platform.gateway_url, timeout=60,
                      headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"}) as client:
        yield platform.demo["patient"]["account_id"], client


@pytest.fixture(scope="module")
def gp(platform):
    doctor = platform.demo["professionals"]["gp"]
    return Actor(platform, doctor["login_id"], doctor["email"])


def test_her_archive_holds_her_documents_byte_for_byte(platform, patient, gp, tmp_path):
    patient_id, client = patient
    deposit(gp, patient_id, "Compte rendu pour l'export")

    asked = client.post(f"/v1/patients/{patient_id}/exports", json={})
    assert asked.status_code == 200, asked.text
    export_id = asked.json()["exportId"]
    again = client.post(f"/v1/patients/{patient_id}/exports", json={})
    if again.status_code != 200:      # unless the first was built in between
        assert (again.json()["code"], again.json()["reason"]) == ("FAILED_PRECONDITION", "EXPORT_RUNNING")

    def ready() -> dict | None:
        found = client.get(f"/v1/patients/{patient_id}/exports/{export_id}").json()
        assert found["state"] in ("EXPORT_STATE_RUNNING", "EXPORT_STATE_READY"), found
        return found if found["state"] == "EXPORT_STATE_READY" else None
    export = eventually(ready, timeout=120, what="the archive built")
    # told in the bell (the email waits for the end of quiet hours when the test runs at night)
    eventually(lambda: bell(client, patient_id, "EXPORT_DISPONIBLE"), timeout=60, what="the EXPORT_DISPONIBLE notice")

    download = client.get(f"/v1/patients/{patient_id}/exports/{export_id}:download")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/zip")
    assert len(download.content) == int(export["sizeBytes"])
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["export.json"])
    assert sorted(manifest["services"]) == ["agenda", "audit", "documents", "identity", "messaging", "profile"]
    assert manifest["services_without_export"] == []
    assert {"profil-medical/profil.json", "profil-medical/profil.pdf", "identite/compte.json",
            "messagerie/messages.json", "historique/tete-signee.json"} <= set(files)
    listing = json.loads(files["documents/documents.json"])["documents"]
    documents = client.get(f"/v1/patients/{patient_id}/documents", params={"pageSize": 100}).json()["documents"]
    assert {d["documentId"] for d in documents} == {d["document_id"] for d in listing}
    for document in documents:
        original = client.get(f"/v1/patients/{patient_id}/documents/{document['documentId']}:download")
        entry = next(d for d in listing if d["document_id"] == document["documentId"])
        assert files[entry["file"]] == original.content, document["title"]

    # her activity history verifies offline against the signed head it carries
    (tmp_path / "archive.zip").write_bytes(download.content)
    verified = subprocess.run([sys.executable, "-m", "audit", "verify-export", str(tmp_path / "archive.zip")],
                              cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": python_path("audit")})
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_nobody_else_asks_for_her_archive(patient, gp):
    patient_id, _ = patient
    refused = gp.client.post(f"/v1/patients/{patient_id}/exports", json={})
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "NOT_THE_HOLDER"
