"""The load kit's smoke profile against the whole platform (`python -m loadtest`, locust as its own
process): it provisions its patients, runs every journey, passes its thresholds, and its journal
accounts for each operation; a threshold not met fails the run with the threshold named."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from devtools.services import ROOT
from loadtest.journal import read
from loadtest.thresholds import OPERATIONS


def run_kit(platform, work_dir, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loadtest", "--host", platform.gateway_url,
                           "--identity", platform.address("identity"), "--signing-key", str(platform.key_file),
                           "--mail-dir", str(platform.mail_dir), "--work-dir", str(work_dir), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "."))})


def test_the_smoke_profile_passes_and_its_journal_accounts_for_every_operation(platform, tmp_path):
    run = run_kit(platform, tmp_path, "--profile", "smoke")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    journal = read(str(tmp_path / "journal.jsonl"))
    assert {entry["op"] for entry in journal if entry["outcome"] == "ok"} == set(OPERATIONS)
    assert [entry for entry in journal if entry["outcome"] == "failed"] == []
    summary = json.loads((tmp_path / "summary.json").read_text())
    answered = [entry for entry in journal if entry["outcome"] != "throttled"]     # a 429 counts apart
    assert sum(op["requests"] for op in summary["ops"].values()) == len(answered)

    uploads = {e["ids"]["document_id"]: e["sha256"] for e in journal if e["op"] == "document_upload"}
    downloads = [e for e in journal if e["op"] == "document_download" and e["ids"]["document_id"] in uploads]
    assert uploads and all(len(e["ids"]["upload_id"]) == 36 for e in journal if e["op"] == "document_upload")
    assert downloads and all(e["sha256"] == uploads[e["ids"]["document_id"]] for e in downloads)
    sent = [e for e in journal if e["op"] == "message_send"]
    assert sent and all(e["ids"]["message_id"] and e["ids"]["client_message_id"] for e in sent)
    users = {e["user"] for e in journal}
    assert len(users) == len(json.loads((tmp_path / "users.json").read_text()))


def test_a_threshold_not_met_fails_the_run_and_names_it(platform, tmp_path):
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text(json.dumps({"default": {"error_rate": 0}, "per_op": {"login_start": {"p99_ms": 0}}}))
    run = run_kit(platform, tmp_path, "--profile", "smoke", "--users", "1", "--duration", "2s",
                  "--thresholds", str(thresholds))
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "THRESHOLD NOT MET: login_start: p99" in run.stderr
    assert "loadtest: FAILED" in run.stdout
