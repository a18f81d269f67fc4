"""The reconciliation of a load run under faults (loadtest/faults.py): from the client's journal, and
what a client or an operator of the platform can observe, every operation the client was told
succeeded is there, once:

- each upload is in the patient's list with its sha256, and downloads with the bytes of that hash;
- each message (the patient's answers, the GP's messages) is in the conversation, once: the answers
  name their clientMessageId in their text, so a second copy would show;
- each appointment is in the patient's agenda;
- each audited operation has its audit records (operator search, by the request's X-Request-Id), no
  record twice; `python -m audit verify` passes on the audit database;
- each GP message is a notice in the patient's bell, and its email is sent (an operator's list of her
  deliveries), no notice twice;
- every service's outbox drains (an operator's SQL count of its unpublished rows);
- every failed answer is a 503 with Retry-After, a 504 (the gateway's deadline passed), or no answer
  at all while the gateway was down; no operation that met an outage, and no 504, took longer than
  the gateway's deadline plus a margin.

The patient's reads are made through the gateway with tokens the kit signs (as its provisioning
does); they are not in the journal and the checks ignore their audit records."""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx

from devtools.eventually import eventually
from loadtest.faults import Window, in_outage, window_of
from loadtest.journal import read
from loadtest.people import Patient, load
from meskit.auth import OPERATOR, PATIENT, Caller, TokenSigner

DEADLINE_SECONDS = 5.0          # the gateway's UPSTREAM_TIMEOUT_SECONDS
MARGIN_SECONDS = 2.0
OUTBOX_SERVICES = ("identity", "documents", "messaging", "agenda", "profile", "exports")
AUDITED = ("documents_list", "document_get", "document_download", "document_upload", "conversations_list",
           "messages_list", "message_send")      # agenda audits a delegate's acts only, not the holder's
CHECKED = ("document_upload", "document_download", "message_send", "gp_message", "appointment_create")
NOTICE = "RECEPTION_MESSAGE"
CLIENT_ID = re.compile(r"\[([0-9a-f-]{36})\]")


@dataclass
class Counts:
    attempted: int = 0
    succeeded: int = 0
    found: int = 0
    duplicated: int = 0
    audited: int = 0           # succeeded operations whose audit records were found


@dataclass
class Result:
    counts: dict[tuple[str, str], Counts] = field(default_factory=lambda: defaultdict(Counts))
    findings: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)       # what was checked beside the table

    def table(self) -> str:
        windows = list(dict.fromkeys(w for _, w in self.counts))
        lines = [f"{'operation':<20} {'window':<14} {'attempted':>9} {'succeeded':>9} {'found':>7} "
                 f"{'duplicated':>10} {'audited':>7}"]
        for op in sorted({op for op, _ in self.counts}):
            for window in windows:
                if (op, window) not in self.counts:
                    continue
                c = self.counts[op, window]
                checked = op in CHECKED or op.startswith("notice")
                found, duplicated = (str(c.found), str(c.duplicated)) if checked else ("-", "-")
                audited = str(c.audited) if op in AUDITED else "-"
                lines.append(f"{op:<20} {window:<14} {c.attempted:>9} {c.succeeded:>9} {found:>7} {duplicated:>10} "
                             f"{audited:>7}")
        return "\n".join(lines + self.summary() + self.facts + [f"findings: {len(self.findings)}"])

    def summary(self) -> list[str]:
        """The checked operations' totals, per fault window (every operation attempted and succeeded)."""
        lines = [f"{'fault window':<14} {'attempted':>9} {'succeeded':>9} {'checked ok':>10} {'found':>7} "
                 f"{'duplicated':>10} {'audited':>7}"]
        for window in dict.fromkeys(w for _, w in self.counts):
            here = [(op, c) for (op, w), c in self.counts.items() if w == window]
            checked = [c for op, c in here if op in CHECKED or op.startswith("notice")]
            lines.append(f"{window:<14} {sum(c.attempted for _, c in here):>9} {sum(c.succeeded for _, c in here):>9} "
                         f"{sum(c.succeeded for c in checked):>10} {sum(c.found for c in checked):>7} "
                         f"{sum(c.duplicated for _, c in here):>10} {sum(c.audited for _, c in here):>7}")
        return lines


class Observer:
    """What the kit can see of the platform: a patient's space through the gateway, operators' RPCs."""

    def __init__(self, platform):
        self.platform = platform
        self.signer = TokenSigner(platform.key_file.read_bytes(), issuer="mes-identity", audience="mes-api",
                                  ttl_seconds=600)
        self.http = httpx.Client(base_url=platform.gateway_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _as(self, patient_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.signer.sign(Caller(PATIENT, patient_id))[0]}"}

    def _operator(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.signer.sign(Caller(OPERATOR, 'loadtest-faults'))[0]}")]

    def pages(self, patient_id: str, path: str, key: str) -> list[dict]:
        items, token = [], ""
        while True:
            answer = self.http.get(path, headers=self._as(patient_id), params={"page_size": 100, "page_token": token})
            answer.raise_for_status()
            body = answer.json()
            items += body.get(key, [])
            token = body.get("nextPageToken", "")
            if not token:
                return items

    def documents(self, patient: Patient) -> list[dict]:
        return self.pages(patient.account_id, f"/v1/patients/{patient.account_id}/documents", "documents")

    def download_sha256(self, patient: Patient, document_id: str) -> str:
        answer = self.http.get(f"/v1/patients/{patient.account_id}/documents/{document_id}:download",
                               headers=self._as(patient.account_id))
        answer.raise_for_status()
        return hashlib.sha256(answer.content).hexdigest()

    def messages(self, patient: Patient) -> list[dict]:
        return self.pages(patient.account_id,
                          f"/v1/patients/{patient.account_id}/conversations/{patient.conversation_id}/messages",
                          "messages")

    def appointments(self, patient: Patient) -> list[dict]:
        return self.pages(patient.account_id, f"/v1/patients/{patient.account_id}/appointments", "appointments")

    def bell(self, patient: Patient) -> list[dict]:
        return self.pages(patient.account_id, f"/v1/profiles/{patient.account_id}/notifications", "notifications")

    def audit_records(self, patient_id: str) -> list:
        from mes.audit.v1 import audit_pb2 as pb
        from mes.audit.v1 import audit_pb2_grpc
        records, token = [], ""
        with grpc.insecure_channel(self.platform.address("audit")) as channel:
            stub = audit_pb2_grpc.AuditServiceStub(channel)
            while True:
                page = stub.SearchRecords(pb.SearchRecordsRequest(patient_id=patient_id, page_size=200,
                                                                  page_token=token),
                                          metadata=self._operator(), timeout=30)
                records += page.records
                token = page.next_page_token
                if not token:
                    return records

    def deliveries(self, patient_id: str, event_type: str) -> list:
        from mes.notifications.v1 import notifications_pb2 as pb
        from mes.notifications.v1 import notifications_pb2_grpc
        found, token = [], ""
        with grpc.insecure_channel(self.platform.address("notifications")) as channel:
            stub = notifications_pb2_grpc.NotificationsServiceStub(channel)
            while True:
                page = stub.ListRecipientDeliveries(pb.ListRecipientDeliveriesRequest(
                    recipient_id=patient_id, event_type=event_type, page_size=500, page_token=token),
                    metadata=self._operator(), timeout=30)
                found += page.deliveries
                token = page.next_page_token
                if not token:
                    return found

    def outbox_backlog(self) -> dict[str, int]:
        """Unpublished rows of each service's outbox table (an operator's SQL count)."""
        import sqlalchemy as sa
        backlog = {}
        for service in OUTBOX_SERVICES:
            engine = sa.create_engine(self.platform.database_url(service), poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as connection:
                    backlog[service] = connection.execute(
                        sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()
            finally:
                engine.dispose()
        return backlog

    def audit_verify(self) -> subprocess.CompletedProcess:
        from devtools.platform import python_path
        env = {**os.environ, "PYTHONPATH": python_path("audit"), "SERVICE_NAME": "audit",
               "DATABASE_URL": self.platform.database_url("audit"), "JWKS_FILE": str(self.platform.jwks_file),
               "AUDIT_SIGNING_KEY_FILE": str(self.platform.audit_key_file), "LOG_LEVEL": "WARNING"}
        return subprocess.run([sys.executable, "-m", "audit", "verify"], env=env, capture_output=True, text=True,
                              timeout=300)


def reconcile(platform, work_dir: Path, windows: list[Window], drain_timeout: float = 180.0) -> Result:
    journal = read(str(work_dir / "journal.jsonl"))
    patients = {p.login_id: p for p in load(work_dir / "users.json")}
    result = Result()
    observer = Observer(platform)
    began = time.monotonic()

    def took(what: str) -> None:
        nonlocal began
        result.facts.append(f"{what}: {time.monotonic() - began:.1f} s")
        began = time.monotonic()
    try:
        drained = _outboxes(observer, result, drain_timeout)
        took("outboxes drained in")
        if drained:
            _objects(observer, journal, patients, windows, result)
            took("objects and audit records checked in")
            _notices(observer, journal, patients, result, drain_timeout)
            took("notices checked in")
        _answers(journal, windows, result)
        verified = observer.audit_verify()
        took("audit verify in")
        if verified.returncode != 0:
            result.findings.append(f"python -m audit verify failed: {(verified.stdout + verified.stderr)[-500:]}")
        result.facts.append(f"python -m audit verify: exit {verified.returncode}")
    finally:
        observer.close()
    return result


def _outboxes(observer: Observer, result: Result, timeout: float) -> bool:
    try:
        eventually(lambda: not any(observer.outbox_backlog().values()), timeout, 0.5, "every outbox drained")
    except AssertionError:
        result.findings.append(f"outboxes not drained within {timeout:.0f} s: {observer.outbox_backlog()}")
        return False
    result.facts.append(f"outboxes drained (unpublished rows of {', '.join(OUTBOX_SERVICES)}: 0)")
    return True


def _objects(observer: Observer, journal: list[dict], patients: dict[str, Patient], windows: list[Window],
             result: Result) -> None:
    by_user: dict[str, list[dict]] = defaultdict(list)
    for entry in journal:
        by_user[entry["ids"]["patient_id"]].append(entry)
    for patient in patients.values():
        entries = by_user.get(patient.account_id, [])
        documents = observer.documents(patient)
        listed_sha = Counter(d.get("sha256") for d in documents)
        listed = {d["documentId"]: d.get("sha256") for d in documents}
        messages = observer.messages(patient)
        message_ids = {m["messageId"] for m in messages}
        copies = Counter(m for message in messages for m in CLIENT_ID.findall(message.get("body", "")))
        appointments = {a["appointmentId"] for a in observer.appointments(patient)}
        records: dict[str, list] = defaultdict(list)
        for record in observer.audit_records(patient.account_id):
            records[record.request_id].append(record)
        uploads = [e for e in entries if e["op"] == "document_upload"]
        for entry in entries:
            counts = result.counts[entry["op"], window_of(entry["ts"], windows)]
            counts.attempted += 1
            if entry["outcome"] != "ok":
                continue
            counts.succeeded += 1
            op, ids = entry["op"], entry["ids"]
            if op == "document_upload":
                document_id = ids["document_id"]
                right = listed.get(document_id) == entry["sha256"]
                if right and observer.download_sha256(patient, document_id) == entry["sha256"]:
                    counts.found += 1
                else:
                    result.findings.append(f"upload {document_id} ({window_of(entry['ts'], windows)}): "
                                           "not listed, or its bytes differ")
            elif op == "document_download":
                upload = next((u for u in uploads
                               if u["outcome"] == "ok" and u["ids"]["document_id"] == ids["document_id"]), None)
                if upload is None or upload["sha256"] == entry["sha256"]:
                    counts.found += 1       # not one the kit uploaded in this run: X-Content-SHA256 was checked
                else:
                    result.findings.append(f"download of {ids['document_id']}: bytes differ from the upload")
            elif op in ("message_send", "gp_message"):
                if ids["message_id"] in message_ids:
                    counts.found += 1
                else:
                    result.findings.append(f"{op} {ids['message_id']}: not in the conversation")
            elif op == "appointment_create":
                if ids["appointment_id"] in appointments:
                    counts.found += 1
                else:
                    result.findings.append(f"appointment {ids['appointment_id']}: not in the agenda")
            if op in AUDITED:
                _audited(entry, records.get(entry["request_id"], []), counts, result)
        for entry in entries:       # every attempt, told success or not: at most one copy of each
            counts = result.counts[entry["op"], window_of(entry["ts"], windows)]
            if entry["op"] == "document_upload" and listed_sha[entry["sha256"]] > 1:
                counts.duplicated += listed_sha[entry["sha256"]] - 1
            elif entry["op"] in ("message_send", "gp_message") and copies[entry["ids"]["client_message_id"]] > 1:
                counts.duplicated += copies[entry["ids"]["client_message_id"]] - 1
        extra_appointments = len(appointments) - sum(1 for e in entries if e["op"] == "appointment_create")
        if extra_appointments > 0:
            result.findings.append(f"{patient.login_id}: {extra_appointments} appointments more than attempted")
    for (op, window), counts in result.counts.items():
        if counts.duplicated:
            result.findings.append(f"{op} ({window}): {counts.duplicated} duplicated")


def _audited(entry: dict, records: list, counts: Counts, result: Result) -> None:
    if not records:
        result.findings.append(f"{entry['op']} {entry['request_id']}: no audit record")
        return
    counts.audited += 1
    seen = Counter((r.action, r.resource_type, r.resource_id) for r in records)
    twice = [key for key, n in seen.items() if n > 1]
    if twice:
        counts.duplicated += 1
        result.findings.append(f"{entry['op']} {entry['request_id']}: an audit record twice {twice}")


def _notices(observer: Observer, journal: list[dict], patients: dict[str, Patient], result: Result,
             timeout: float) -> None:
    """Each GP message (and the provisioning's welcome) is a notice in the patient's bell, and its email
    is sent, once: the notice's event id derives from the message id (messaging.domain.notices)."""
    from mes.notifications.v1 import notifications_pb2 as npb

    from messaging.domain.notices import NAMESPACE
    told = [e for e in journal if e["op"] == "gp_message" and e["outcome"] == "ok"]
    attempted = Counter(e["ids"]["patient_id"] for e in journal if e["op"] == "gp_message")
    bell, mails = result.counts["notice (bell)", "all"], result.counts["notice (email)", "all"]
    for patient in patients.values():
        mine = [e for e in told if e["ids"]["patient_id"] == patient.account_id]
        items = {n["notificationId"] for n in observer.bell(patient) if n["eventType"] == NOTICE}
        bell.attempted += 1 + attempted[patient.account_id]
        bell.succeeded += 1 + len(mine)
        bell.found += min(len(items), 1 + len(mine))
        bell.duplicated += max(0, len(items) - 1 - attempted[patient.account_id])
        if len(items) < 1 + len(mine):
            result.findings.append(f"{patient.login_id}: {len(items)} notices in the bell, {1 + len(mine)} messages")
        expected = {str(uuid.uuid5(NAMESPACE, e["ids"]["message_id"])) for e in mine}

        def every_mail_sent() -> bool:
            states = defaultdict(set)
            for d in observer.deliveries(patient.account_id, NOTICE):
                states[d.event_id].add(d.status.state)
            return all(states[event_id] == {npb.DELIVERY_STATE_SENT} for event_id in expected)
        try:
            eventually(every_mail_sent, timeout, 0.5)
        except AssertionError:
            pass                # each one not sent is named below
        deliveries = observer.deliveries(patient.account_id, NOTICE)
        per_event = Counter((d.event_id, d.status.channel) for d in deliveries)
        mails.attempted += len([e for e in journal if e["op"] == "gp_message"
                                and e["ids"]["patient_id"] == patient.account_id])
        mails.succeeded += len(mine)
        for event_id in expected:
            state = [d.status.state for d in deliveries if d.event_id == event_id]
            if state and all(s == npb.DELIVERY_STATE_SENT for s in state):
                mails.found += 1
            else:
                result.findings.append(f"{patient.login_id}: the email of notice {event_id} is not sent ({state})")
        mails.duplicated += sum(n - 1 for n in per_event.values())
    for name, counts in (("bell", bell), ("email", mails)):
        if counts.duplicated:
            result.findings.append(f"{name} notices: {counts.duplicated} duplicated")


def acceptable_failure(entry: dict, outage: Window | None) -> bool:
    """A 503 with Retry-After (a process out of reach), a 504 (the gateway's deadline passed: the
    upstream was too slow, e.g. a password hash on a saturated machine), or no answer at all while
    the gateway itself was down."""
    if entry["status"] == 0:
        return outage is not None and outage.fault == "gateway"
    return (entry["status"] == 503 and bool(entry.get("retry_after"))) or entry["status"] == 504


def _answers(journal: list[dict], windows: list[Window], result: Result) -> None:
    """Failed answers are acceptable ones; those that met an outage, and every 504, came within the
    deadline plus a margin."""
    statuses: Counter = Counter()
    slow = 0
    limit_ms = (DEADLINE_SECONDS + MARGIN_SECONDS) * 1000
    for entry in journal:
        outage = in_outage(entry, windows)
        if entry["op"] == "login_code":         # the kit's wait for a mail, no request
            if entry["outcome"] == "failed" and outage is None:
                result.findings.append(f"login code never came outside an outage: {entry['ts']}")
            continue
        if entry["outcome"] == "failed":
            statuses[entry["status"]] += 1
            if not acceptable_failure(entry, outage):
                result.findings.append(f"{entry['op']} at {entry['ts']} ({window_of(entry['ts'], windows)}): "
                                       f"{entry.get('error')}, retry-after {entry.get('retry_after', 'none')}")
        if (outage is not None or entry["status"] == 504) and entry["ms"] > limit_ms:
            slow += 1
            result.findings.append(f"{entry['op']} at {entry['ts']} ({window_of(entry['ts'], windows)}) took "
                                   f"{entry['ms']:.0f} ms")
    result.facts.append(f"failed answers by status: {dict(sorted(statuses.items()))}; answers during outages "
                        f"(or 504) slower than {limit_ms / 1000:.0f} s: {slow}")
    per_fault = ", ".join(f"{w.fault} {w.outage_answers}" for w in windows)
    result.facts.append(f"answers during each outage: {per_fault}")


def counts_as_json(result: Result) -> str:
    return json.dumps({f"{op}|{window}": vars(c) for (op, window), c in result.counts.items()})
