"""Uploads through the gateway: refusals (disguised files too) name the reason and store nothing; a PNG becomes a JPEG;
with audit stopped, reads are refused and uploads still reach the trail once it is back."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image

from devtools.eventually import eventually
from devtools.samples import blank_pdf
from e2e_actors import Actor

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "documents"))   # the crafted files
import crafted_files  # noqa: E402


@pytest.fixture(scope="module")
def patient_client(platform, patient_session):
    with httpx.Client(base_url=platform.gateway_url, timeout=30,
                      headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"}) as client:
        yield platform.demo["patient"]["account_id"], client


def upload(client: httpx.Client, patient_id: str, content: bytes, filename: str, title: str = "Ordonnance"):
    metadata = {"title": title, "category": "DOCUMENT_CATEGORY_ORD_SOIN"}
    return client.post(f"/v1/patients/{patient_id}/documents",
                       files={"metadata": (None, json.dumps(metadata), "application/json"),
                              "file": (filename, content, "application/octet-stream")})


def listed(client, patient_id) -> int:
    response = client.get(f"/v1/patients/{patient_id}/documents", params={"pageSize": 200})
    assert response.status_code == 200, response.text
    return len(response.json().get("documents", []))


def stored_objects(platform) -> int:
    return sum(1 for path in platform.documents_dir.rglob("*") if path.is_file())


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


REFUSALS = {
    "executable_renamed_pdf": (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 8, "facture.pdf", "UNSUPPORTED_TYPE"),
    "over_5_000_000_bytes": (b"%PDF-1.4\n" + b"0" * (5_000_001 - 9), "gros.pdf", "TOO_LARGE"),
    "empty": (b"", "vide.pdf", "EMPTY"),
    "truncated_png": (png_bytes()[:60], "photo.png", "CORRUPT"),
    # files that are not what they claim (issue 10, point 9)
    "pdf_zip_polyglot": (blank_pdf() + crafted_files.zip_archive(), "ordonnance.pdf", "POLYGLOT"),
    "pdf_javascript": (crafted_files.handmade_pdf(b"/OpenAction 4 0 R", rb"<< /S /JavaScript /JS (app.alert\(1\)) >>"),
                       "resultats.pdf", "PDF_JAVASCRIPT"),
    "pdf_launch_in_an_object_stream": (crafted_files.pdf_with_object_stream(rb"<< /S /Launch /F (cmd.exe) >>"),
                                       "resultats.pdf", "PDF_LAUNCH_ACTION"),
    "rtf_embedded_object": (crafted_files.RTF_WITH_OBJECT, "courrier.rtf", "RTF_EMBEDDED_OBJECT"),
    "damaged_jpeg": (crafted_files.jpeg_scan_damaged(), "photo.jpg", "CORRUPT"),
    "utf16_text": ("Compte rendu".encode("utf-16"), "note.txt", "INVALID_TEXT"),
}


class TestUploadRefusals:
    @pytest.mark.parametrize("case", REFUSALS)
    def test_refusal_names_the_reason_and_stores_nothing(self, platform, patient_client, case):
        patient_id, client = patient_client
        content, filename, reason = REFUSALS[case]
        documents_before, objects_before = listed(client, patient_id), stored_objects(platform)
        response = upload(client, patient_id, content, filename)
        assert response.status_code in (400, 413), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["reason"] == reason
        assert (listed(client, patient_id), stored_objects(platform)) == (documents_before, objects_before)

    def test_a_png_comes_back_as_a_jpeg(self, patient_client):
        patient_id, client = patient_client
        response = upload(client, patient_id, png_bytes(), "radio.png", title="Radio du genou")
        assert response.status_code == 200, response.text
        document_id = response.json()["documentId"]
        download = client.get(f"/v1/patients/{patient_id}/documents/{document_id}:download")
        assert download.status_code == 200
        assert download.headers["content-type"] == "image/jpeg"
        assert download.content[:3] == b"\xff\xd8\xff"
        assert Image.open(io.BytesIO(download.content)).size == (120, 80)


class TestAuditDown:
    def test_reads_fail_closed_and_uploads_made_meanwhile_reach_the_trail(self, platform, patient_client):
        patient_id, client = patient_client
        gp = platform.demo["professionals"]["gp"]
        doctor = Actor(platform, gp["login_id"], gp["email"])
        platform.stop_process("audit")
        try:
            refused = client.get(f"/v1/patients/{patient_id}/documents")
            assert refused.status_code == 503, refused.text
            made = []
            for n in range(3):
                metadata = {"title": f"CR de consultation {n}", "classCode": "10", "typeCode": "11488-4"}
                response = doctor.client.post(
                    f"/v1/patients/{patient_id}/documents",
                    files={"metadata": (None, json.dumps(metadata), "application/json"),
                           "file": ("cr.pdf", blank_pdf(), "application/pdf")})
                assert response.status_code == 200, response.text
                made.append(response.json()["documentId"])
        finally:
            platform.start_process("audit")

        def recorded():
            trail = client.get(f"/v1/patients/{patient_id}/activity",
                               params={"pageSize": 200, "actions": "ACTION_CREATE"})
            assert trail.status_code == 200, trail.text
            created = {r.get("resourceId") for r in trail.json().get("records", [])}
            assert set(made) <= created, f"not in audit yet: {set(made) - created}"
            return True
        eventually(recorded, timeout=30, interval=0.5)
