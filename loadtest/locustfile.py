"""The journeys of a patient through the gateway, as locust tasks with weights: she logs in (password,
then the code mailed to her), lists and reads her documents, deposits one, reads her history and her
bell, reads and answers her GP's conversation, lists and adds appointments. Each locust user is one
provisioned patient with her own token. Run by `python -m loadtest` (which provisions the patients and
sets the LOADTEST_* variables), never imported by pytest: locust patches gevent at import."""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import gevent
import requests
from locust import User, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtest.journal import Journal, answer_fields  # noqa: E402
from loadtest.mailbox import Mailbox  # noqa: E402
from loadtest.people import load  # noqa: E402
from loadtest.thresholds import OPERATIONS, THROTTLED, OpFigures, breaches  # noqa: E402

PROFILE = json.loads(os.environ.get("LOADTEST_PROFILE", "{}"))
PATIENTS = load(Path(os.environ["LOADTEST_USERS_FILE"])) if os.environ.get("LOADTEST_USERS_FILE") else []
MAILBOX = Mailbox(Path(os.environ.get("LOADTEST_MAIL_DIR", "mail")))
JOURNAL = Journal(os.environ.get("LOADTEST_JOURNAL", ""))
CODE_WAIT_SECONDS = 60
MAX_BACKOFF_SECONDS = 60
_next_patient = itertools.count()

Check = Callable[[requests.Response], str]        # "" when the answer is right, else what is wrong


def unique_pdf(label: str) -> bytes:
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": label})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def message_body(client_message_id: str) -> str:
    """The text of one answer, naming its clientMessageId: a reconciliation counts each one's copies."""
    return f"Merci docteur, tout va bien. [{client_message_id}]"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PatientUser(User):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.me = PATIENTS[next(_next_patient) % len(PATIENTS)]
        self.http = requests.Session()
        self.documents: dict[str, str] = {}          # document id -> SHA-256 (empty when not hers to check)
        self.login_backoff = 1.0
        self.login()
        if "Authorization" not in self.http.headers:
            return                                      # her first task logs in again
        for journey in (self.list_documents, self.upload_document, self.read_document, self.history,
                        self.bell, self.conversation, self.answer, self.appointments, self.add_appointment):
            journey()                                   # each once first: every operation is measured

    # ---- the journeys, by weight ----
    @task(1)
    def login(self) -> None:
        """A new session (as from a second device); the current one is kept until it has come."""
        anonymous = {"Authorization": None}
        codes_before = len(MAILBOX.codes(self.me.email))
        started = self.call("login_start", "POST", "/v1/sessions:start", headers=anonymous,
                            json={"loginId": self.me.login_id, "password": self.me.password})
        if started is None:
            return
        code = self.wait_for_code(codes_before)
        if code is None:
            return
        session = self.call("login_complete", "POST", "/v1/sessions:complete", headers=anonymous,
                            json={"challengeId": started.json()["challengeId"], "code": code})
        if session is not None:
            self.http.headers["Authorization"] = f"Bearer {session.json()['accessToken']}"
            self.login_backoff = 1.0

    def after_failed_login(self) -> None:
        """Wait before trying again, twice as long each time (at most a minute): failing logins must
        not turn into a storm of password hashes."""
        gevent.sleep(self.login_backoff)
        self.login_backoff = min(self.login_backoff * 2, MAX_BACKOFF_SECONDS)

    @task(10)
    def list_documents(self) -> None:
        listed = self.call("documents_list", "GET", f"/v1/patients/{self.me.account_id}/documents",
                           params={"page_size": 20})
        if listed is not None:
            for document in listed.json().get("documents", []):
                self.documents.setdefault(document["documentId"], "")

    @task(8)
    def read_document(self) -> None:
        if not self.documents:
            return
        document_id, expected = list(self.documents.items())[int(time.monotonic() * 1000) % len(self.documents)]
        path = f"/v1/patients/{self.me.account_id}/documents/{document_id}"
        if self.call("document_get", "GET", path, ids={"document_id": document_id}) is None:
            return

        def same_bytes(response: requests.Response) -> str:
            got = sha256(response.content)
            if got != response.headers.get("X-Content-SHA256"):
                return "bytes differ from X-Content-SHA256"
            return "bytes differ from those uploaded" if expected and got != expected else ""
        self.call("document_download", "GET", f"{path}:download", ids={"document_id": document_id},
                  check=same_bytes, body_hash=True)

    @task(3)
    def upload_document(self) -> None:
        upload_id = str(uuid.uuid4())
        content = unique_pdf(f"charge {self.me.login_id} {upload_id}")
        metadata = {"title": "Ordonnance (charge)", "category": "DOCUMENT_CATEGORY_ORD_SOIN", "uploadId": upload_id}
        digest = sha256(content)
        made = self.call("document_upload", "POST", f"/v1/patients/{self.me.account_id}/documents",
                         ids={"upload_id": upload_id}, sent=content,
                         files={"metadata": (None, json.dumps(metadata), "application/json"),
                                "file": ("ordonnance.pdf", content, "application/pdf")},
                         check=lambda r: "" if r.json().get("sha256") == digest else "stored hash differs",
                         made=lambda r: {"document_id": r.json()["documentId"]})
        if made is not None:
            self.documents[made.json()["documentId"]] = digest

    @task(4)
    def history(self) -> None:
        self.call("history", "GET", f"/v1/patients/{self.me.account_id}/activity", params={"page_size": 20})

    @task(8)
    def bell(self) -> None:
        self.call("bell_counts", "GET", "/v1/notifications/unread-counts")
        self.call("bell_list", "GET", f"/v1/profiles/{self.me.account_id}/notifications", params={"page_size": 20})

    @task(3)
    def conversation(self) -> None:
        base = f"/v1/patients/{self.me.account_id}/conversations"
        self.call("conversations_list", "GET", base, params={"page_size": 20})
        self.call("messages_list", "GET", f"{base}/{self.me.conversation_id}/messages",
                  ids={"conversation_id": self.me.conversation_id})

    @task(1)
    def answer(self) -> None:
        client_message_id = str(uuid.uuid4())
        self.call("message_send", "POST",
                  f"/v1/patients/{self.me.account_id}/conversations/{self.me.conversation_id}/messages",
                  ids={"conversation_id": self.me.conversation_id, "client_message_id": client_message_id},
                  json={"body": message_body(client_message_id), "clientMessageId": client_message_id},
                  made=lambda r: {"message_id": r.json()["messageId"]})

    @task(2)
    def appointments(self) -> None:
        self.call("appointments_list", "GET", f"/v1/patients/{self.me.account_id}/appointments",
                  params={"page_size": 20})

    @task(1)
    def add_appointment(self) -> None:
        start = (datetime.now(timezone.utc) + timedelta(days=7)).replace(microsecond=0)
        self.call("appointment_create", "POST", f"/v1/patients/{self.me.account_id}/appointments",
                  json={"type": "APPOINTMENT_TYPE_PRACTITIONER", "name": "Dr Gaston Charge",
                        "startTime": start.isoformat().replace("+00:00", "Z")},
                  made=lambda r: {"appointment_id": r.json()["appointmentId"]})

    # ---- one operation: request, outcome, locust's figures, the journal ----
    def call(self, op: str, method: str, path: str, ids: dict | None = None, check: Check | None = None,
             made: Callable[[requests.Response], dict] | None = None, sent: bytes | None = None,
             body_hash: bool = False, **kwargs) -> requests.Response | None:
        """The answer when it is a 200 that passes `check`, else None (recorded as failed or
        throttled). A 429 is honoured: the user waits its Retry-After, counted apart, no error."""
        if not op.startswith("login") and "Authorization" not in self.http.headers:
            self.after_failed_login()   # no session (her login failed): log in again, never call without one
            self.login()
            return None
        ids = {"patient_id": self.me.account_id, **(ids or {})}
        began = time.perf_counter()
        response, error = None, ""
        try:
            response = self.http.request(method, self.host + path, timeout=30, **kwargs)
        except requests.RequestException as exc:
            error = type(exc).__name__
        elapsed_ms = (time.perf_counter() - began) * 1000
        entry = answer_fields(self.me.login_id, op, ids, elapsed_ms, response)
        status = entry["status"]
        if sent is not None:
            entry.update(sha256=sha256(sent), bytes=len(sent))
        if status == 429:
            JOURNAL.write(**entry, outcome="throttled")
            self.fire(THROTTLED, op, elapsed_ms, response, None)
            gevent.sleep(min(float(response.headers.get("Retry-After") or 1), MAX_BACKOFF_SECONDS))
            return None
        if response is not None and status == 200:
            error = (check(response) if check else "") or ""
            if not error and made:
                ids.update(made(response))
            if body_hash:
                entry.update(sha256=sha256(response.content), bytes=len(response.content))
        elif response is not None:
            error = error or f"{status} {_reason(response)}"
        JOURNAL.write(**entry, outcome="failed" if error else "ok", **({"error": error} if error else {}))
        self.fire(method, op, elapsed_ms, response, RuntimeError(error) if error else None)
        return None if error else response

    def wait_for_code(self, codes_before: int) -> str | None:
        began = time.perf_counter()
        deadline = time.monotonic() + CODE_WAIT_SECONDS
        while time.monotonic() < deadline:
            codes = MAILBOX.codes(self.me.email)
            if len(codes) > codes_before:
                waited_ms = (time.perf_counter() - began) * 1000
                JOURNAL.write(user=self.me.login_id, op="login_code", status=0, outcome="ok", ms=round(waited_ms, 1),
                              ids={"patient_id": self.me.account_id})
                self.fire("MAIL", "login_code", waited_ms, None, None)
                return codes[-1]
            gevent.sleep(0.2)
        JOURNAL.write(user=self.me.login_id, op="login_code", status=0, outcome="failed",
                      ids={"patient_id": self.me.account_id},
                      error=f"no code mailed within {CODE_WAIT_SECONDS} s")
        self.fire("MAIL", "login_code", CODE_WAIT_SECONDS * 1000, None, RuntimeError("no login code mailed"))
        return None

    def fire(self, kind: str, op: str, elapsed_ms: float, response, exception) -> None:
        self.environment.events.request.fire(
            request_type=kind, name=op, response_time=elapsed_ms, exception=exception, context={},
            response_length=len(response.content) if response is not None else 0, response=response)


def _reason(response: requests.Response) -> str:
    try:
        return str(response.json().get("reason") or response.json().get("code") or "")
    except ValueError:
        return ""


@events.quitting.add_listener
def judge(environment, **_) -> None:
    """The run fails (exit 1) when a threshold of the profile is not met, each named on stderr."""
    figures, throttled = [], {}
    for (name, kind), entry in environment.stats.entries.items():
        if kind == THROTTLED:
            throttled[name] = entry.num_requests
            continue
        figures.append(OpFigures(name, entry.num_requests, entry.num_failures,
                                 entry.get_response_time_percentile(0.95) or 0,
                                 entry.get_response_time_percentile(0.99) or 0))
    total = environment.stats.total
    summary = {"requests": total.num_requests, "failures": total.num_failures,
               "rps": round(total.total_rps, 1), "throttled": throttled,
               "ops": {f.op: {"requests": f.requests, "failures": f.failures, "p95_ms": f.p95_ms, "p99_ms": f.p99_ms}
                       for f in sorted(figures, key=lambda f: f.op)}}
    if os.environ.get("LOADTEST_SUMMARY"):
        Path(os.environ["LOADTEST_SUMMARY"]).write_text(json.dumps(summary, indent=1))
    found = breaches(figures, PROFILE["thresholds"], OPERATIONS)
    for line in found:
        print(f"THRESHOLD NOT MET: {line}", file=sys.stderr)
    if throttled:
        print(f"throttled (429, honoured, not errors): {throttled}", file=sys.stderr)
    environment.process_exit_code = 1 if found else 0
