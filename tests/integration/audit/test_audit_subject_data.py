"""Audit's part of a space's life (mes.lifecycle.v1): her activity history in her export, verified
offline by `python -m audit verify-export` (a ZIP archive or a folder) and refused once altered;
identity's erasure of her records' personal data (leaves stay, `verify` still passes, idempotent)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as pb
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from audit_harness import code_of, record
from meskit.auth import SERVICE

ROOT = Path(__file__).resolve().parents[3]


def lifecycle(audit) -> lifecycle_pb2_grpc.SubjectDataServiceStub:
    channel = grpc.insecure_channel(f"127.0.0.1:{audit.servers[0][0].port}")
    return lifecycle_pb2_grpc.SubjectDataServiceStub(channel)


def export(audit, account_id: str, caller: str = "exports") -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    path = ""
    for chunk in lifecycle(audit).ExportSubjectData(lpb.ExportSubjectDataRequest(
            account_id=account_id, export_id=str(uuid.uuid4())), metadata=audit.as_(SERVICE, caller), timeout=30):
        path = chunk.path or path
        files[path] = files.get(path, b"") + chunk.data
    return files


def erase(audit, account_id: str, caller: str = "identity") -> dict[str, int]:
    reply = lifecycle(audit).EraseSubjectData(lpb.EraseSubjectDataRequest(
        account_id=account_id, erasure_id=str(uuid.uuid4())), metadata=audit.as_(SERVICE, caller), timeout=30)
    assert reply.service == "audit"
    return {e.kind: e.count for e in reply.erased}


def command(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "services/audit"))}
    return subprocess.run([sys.executable, "-m", "audit", *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def history(audit):
    patient, other = str(uuid.uuid4()), str(uuid.uuid4())
    audit.append(*[record(n, patient_id=patient if n % 2 else other) for n in range(12)])
    return patient, other


def write(folder: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)


def test_her_history_exports_and_verifies_offline_and_an_altered_one_does_not(audit, history, tmp_path):
    patient, _ = history
    files = export(audit, patient)
    assert set(files) == {"historique/journal.json", "historique/preuves.json", "historique/tete-signee.json",
                          "historique/cles-publiques.json"}
    records = json.loads(files["historique/journal.json"])
    assert len(records) == 7                             # six about her, and the record of this export
    assert {r["personal"]["patient_id"] for r in records} == {patient}
    assert [r["action"] for r in records][-1] == "EXPORT"
    assert len(json.loads(files["historique/preuves.json"])) == 7
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path, data in {**files, "documents/a.pdf": b"%PDF"}.items():
            z.writestr(path, data)
    good = command("verify-export", str(archive))
    assert good.returncode == 0, good.stderr + good.stdout
    assert good.stdout.startswith("export history verified: 7 records")
    write(tmp_path / "unpacked", files)
    assert command("verify-export", str(tmp_path / "unpacked" / "historique")).returncode == 0
    records[2]["rule"] = "forged"
    write(tmp_path / "altered", {**files, "historique/journal.json": json.dumps(records).encode()})
    bad = command("verify-export", str(tmp_path / "altered"))
    assert bad.returncode == 1 and f"record {records[2]['record_id']}" in bad.stdout
    records[2]["rule"] = json.loads(files["historique/journal.json"])[2]["rule"]
    records[3]["personal"]["actor_id"] = "someone-else"
    write(tmp_path / "personal", {**files, "historique/journal.json": json.dumps(records).encode()})
    assert "commitment" in command("verify-export", str(tmp_path / "personal")).stdout


def test_a_key_pinned_by_the_checker_must_have_signed_the_head(audit, history, tmp_path):
    from meskit.auth import generate_private_key_pem
    patient, _ = history
    write(tmp_path, export(audit, patient))
    (tmp_path / "other.pem").write_bytes(generate_private_key_pem())
    pinned = command("verify-export", str(tmp_path), "--public-key", str(tmp_path / "other.pem"))
    assert pinned.returncode == 1 and "signature" in pinned.stdout
    own = command("verify-export", str(tmp_path), "--public-key", audit.settings.signing_key_file)
    assert own.returncode == 0, own.stdout


def test_only_exports_exports_and_someone_unknown_has_an_empty_history(audit, history):
    patient, _ = history
    assert code_of(lambda: export(audit, patient, caller="documents")) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: export(audit, "patient-1")) == grpc.StatusCode.INVALID_ARGUMENT
    assert export(audit, str(uuid.uuid4())) == {}


def test_identity_erases_her_personal_data_the_log_still_verifies_and_again_erases_nothing(audit, history):
    from audit.verify import verify_database
    patient, other = history
    assert code_of(lambda: erase(audit, patient, caller="documents")) == grpc.StatusCode.PERMISSION_DENIED
    assert erase(audit, patient) == {"audit_records": 6}
    assert erase(audit, patient) == {"audit_records": 0}
    assert audit.stub.ListActivity(pb.ListActivityRequest(patient_id=patient), metadata=audit.patient(patient),
                                   timeout=10).records == []
    assert len(audit.stub.ListActivity(pb.ListActivityRequest(patient_id=other), metadata=audit.patient(other),
                                       timeout=10).records) == 6
    audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
    report = verify_database(audit.database_url)
    assert report.ok, report.line()
    assert report.erased == 6
