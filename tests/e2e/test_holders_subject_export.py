"""On the whole platform, what messaging, agenda and audit give the exports service of the demo
patient's data (mes.lifecycle.v1 ExportSubjectData, exports' service token): the GP's PDF byte for
byte under `messagerie/`, her appointment in `agenda/agenda.ics`, and her activity history, put in
a ZIP archive as exports does, verified offline by `python -m audit verify-export`."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grpc
import httpx
import icalendar
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from devtools.demo import _token
from devtools.samples import blank_pdf
from e2e_actors import Actor
from meskit.auth import SERVICE, Caller

ROOT = Path(__file__).resolve().parents[2]


def exported(platform, service: str, account_id: str) -> dict[str, bytes]:
    token = _token(platform.key_file, Caller(SERVICE, "exports"))
    files: dict[str, bytes] = {}
    path = ""
    with grpc.insecure_channel(platform.address(service)) as channel:
        for chunk in lifecycle_pb2_grpc.SubjectDataServiceStub(channel).ExportSubjectData(
                lpb.ExportSubjectDataRequest(account_id=account_id, export_id=str(uuid.uuid4())),
                metadata=[("authorization", f"Bearer {token}")], timeout=60):
            path = chunk.path or path
            files[path] = files.get(path, b"") + chunk.data
    return files


def test_her_messages_agenda_and_history_export_and_the_history_verifies_offline(platform, patient_session,
                                                                                  tmp_path):
    patient_id = platform.demo["patient"]["account_id"]
    gp_info = platform.demo["professionals"]["gp"]
    gp = Actor(platform, gp_info["login_id"], gp_info["email"])
    pdf = blank_pdf()
    started = gp.client.post(f"/v1/patients/{patient_id}/conversations", json={
        "subject": "Votre export", "body": "Bonjour, voici le compte rendu.",
        "attachments": [{"file": {"filename": "export-cr.pdf", "contentType": "application/pdf",
                                  "content": base64.b64encode(pdf).decode()}}]})
    assert started.status_code == 200, started.text
    with httpx.Client(base_url=platform.gateway_url, timeout=30,
                      headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"}) as patient:
        start = (datetime.now(timezone.utc) + timedelta(days=20)).replace(microsecond=0)
        created = patient.post(f"/v1/patients/{patient_id}/appointments", json={
            "type": "APPOINTMENT_TYPE_PRACTITIONER", "name": "Dr Export", "title": "Bilan export",
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%SZ")})
        assert created.status_code == 200, created.text

    files = {**exported(platform, "messaging", patient_id), **exported(platform, "agenda", patient_id),
             **exported(platform, "audit", patient_id)}
    listed = json.loads(files["messagerie/messages.json"])
    [attachment] = [a for a in listed["attachments"] if a["filename"] == "export-cr.pdf"]
    assert files[attachment["path"]] == pdf
    events = icalendar.Calendar.from_ical(files["agenda/agenda.ics"]).walk("VEVENT")
    assert "Bilan export" in {str(e["summary"]) for e in events}
    history = json.loads(files["historique/journal.json"])
    assert {r["personal"]["patient_id"] for r in history} == {patient_id}
    assert any(r["action"] == "EXPORT" and r["personal"]["actor_id"] == "exports" for r in history)
    assert any(r["action"] == "LOGIN" for r in history)          # her logins, recorded by identity

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "services/audit"))}
    checked = subprocess.run([sys.executable, "-m", "audit", "verify-export", str(archive)], env=env,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"export history verified: {len(history)} records")
