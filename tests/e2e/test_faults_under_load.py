"""Faults under load, the reduced run of `make test` (`make faults` runs every fault with 20 patients):
the load kit against a platform of its own while documents, audit and the gateway are killed
(SIGKILL) and started again in turn, and PostgreSQL is stopped and started; then the client's
journal is reconciled with what the platform holds (loadtest/reconcile.py)."""
from __future__ import annotations

import pytest

from loadtest.faults import in_outage, platform_for, run
from loadtest.journal import read
from loadtest.reconcile import CHECKED, DEADLINE_SECONDS, MARGIN_SECONDS, acceptable_failure, reconcile

FAULTS = ("documents", "audit", "gateway", "postgres")
USERS = 3


@pytest.fixture(scope="module")
def faults_run(tmp_path_factory):
    """(windows, reconciliation, journal) of one run with each fault in turn."""
    work = tmp_path_factory.mktemp("faults")
    with platform_for(work / "var") as platform:
        windows = run(platform, work / "load", USERS, FAULTS)
        result = reconcile(platform, work / "load", windows)
    (work / "report.txt").write_text(result.table() + "\n" + "\n".join(result.findings))
    return windows, result, read(str(work / "load" / "journal.jsonl"))


def test_the_load_met_every_fault(faults_run):
    windows, _, journal = faults_run
    assert [w.fault for w in windows] == list(FAULTS)
    for window in windows:
        met = [e for e in journal if e["outcome"] == "failed" and in_outage(e, windows) is window]
        assert met, f"no answer of the load failed during the {window.fault} outage"


def test_each_operation_the_client_was_told_succeeded_is_there_once(faults_run):
    windows, result, _ = faults_run
    totals = {op: [0, 0, 0] for op in CHECKED}
    for (op, window), counts in result.counts.items():
        if op in totals:
            totals[op][0] += counts.succeeded
            totals[op][1] += counts.found
            totals[op][2] += counts.duplicated
    assert {op: (found, duplicated) for op, (_, found, duplicated) in totals.items()} == \
           {op: (succeeded, 0) for op, (succeeded, _, _) in totals.items()}, result.table()
    assert all(totals[op][0] for op in ("document_upload", "message_send", "gp_message")), result.table()
    written_after_a_fault = sum(c.found for (op, window), c in result.counts.items()
                                if op == "gp_message" and window in FAULTS)
    assert written_after_a_fault, result.table()
    assert result.counts["notice (bell)", "all"].found == result.counts["notice (bell)", "all"].succeeded


def test_failed_answers_are_quick_503s_with_retry_after_or_504s_at_the_deadline(faults_run):
    windows, _, journal = faults_run
    wrong, slow = [], []
    for entry in journal:
        outage = in_outage(entry, windows)
        if entry["op"] == "login_code":
            continue
        if entry["outcome"] == "failed" and not acceptable_failure(entry, outage):
            wrong.append((entry["op"], entry["status"], entry.get("error"), outage and outage.fault))
        if outage is not None and entry["ms"] > (DEADLINE_SECONDS + MARGIN_SECONDS) * 1000:
            slow.append((entry["op"], entry["ms"], outage.fault))
    assert (wrong, slow) == ([], [])
    during = [e for e in journal if e["outcome"] == "failed" and in_outage(e, windows) is not None]
    assert any(e["status"] == 503 and e.get("retry_after") for e in during)


def test_outboxes_drain_and_the_audit_log_verifies_with_nothing_else_found(faults_run):
    _, result, _ = faults_run
    assert result.findings == [], result.table() + "\n" + "\n".join(result.findings)
