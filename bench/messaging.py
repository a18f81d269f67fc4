"""(r): the secure messaging through the gateway, one operation = a message sent and read.

The demo GP (his access token) starts a conversation with the demo patient: POST
/v1/patients/{id}/conversations, a subject and a short French message (messaging asks identity for
the access context, then stores the conversation, its message, receipt, audit record and the
patient's notice in one transaction); then the patient (hers) reads it: GET
.../conversations/{conversation_id}/messages (access context again, the rows, one LIST record
appended to audit synchronously before the answer). A new conversation each time, so that every
read lists one message whatever the length of the run. Compared with the bare pipeline (n) and the
ceiling (c); short timing and Python worker processes (two requests per operation), like (h)-(m)."""
from __future__ import annotations

import json
import uuid

from bench.ops import KeepAliveClient
from bench.payloads import conversation_body, read_back


class MessageRound:
    """One message sent by the GP and read by the patient, each on a keep-alive connection of its own."""

    def __init__(self, base_url: str, patient_id: str, gp_token: str, patient_token: str):
        self._gp, self._patient = KeepAliveClient(base_url), KeepAliveClient(base_url)
        self._path = f"/v1/patients/{patient_id}/conversations"
        self._gp_headers = {"authorization": f"Bearer {gp_token}", "content-type": "application/json"}
        self._patient_headers = {"authorization": f"Bearer {patient_token}"}

    def __call__(self) -> None:
        status, answer = self._gp.request("POST", self._path, conversation_body(uuid.uuid4().hex), self._gp_headers)
        if status != 200:
            raise RuntimeError(f"POST {self._path} -> {status} {answer[:200]!r}")
        conversation_id = json.loads(answer)["conversationId"]
        path = f"{self._path}/{conversation_id}/messages"
        status, answer = self._patient.request("GET", path, headers=self._patient_headers)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status} {answer[:200]!r}")
        read_back(json.loads(answer), conversation_id)

    def close(self) -> None:
        self._gp.close()
        self._patient.close()


def message_round(base_url: str, patient_id: str, gp_token: str, patient_token: str) -> MessageRound:
    return MessageRound(base_url, patient_id, gp_token, patient_token)


def measure_messaging(ctx):
    from bench import documents_audit
    from bench.plan import Result, drive_python
    from bench.pyload import Work
    from devtools.demo import DEMO_PASSWORD
    fixture, short = ctx.fixture, documents_audit._short(ctx)
    platform = fixture.platform
    patient_id = fixture.demo["patient"]["account_id"]
    gp = fixture.demo["professionals"]["gp"]
    gp_token = fixture.login((gp["login_id"], DEMO_PASSWORD, gp["email"]))["accessToken"]
    patient_token = fixture.patient_token()
    first = message_round(platform.gateway_url, patient_id, gp_token, patient_token)
    try:
        first()                    # one round before the load: a refusal fails here, plainly
    finally:
        first.close()
    processes, threads = ctx.python_split(ctx.concurrency)
    notes = [f"the demo GP starts a conversation with the demo patient ({len(conversation_body('x')):,}-byte JSON, "
             f"no attachment), then she lists its messages (one): two requests per operation; {processes} "
             f"processes x {threads} threads, http.client keep-alive, one connection per side",
             "per operation: the gateway checks both tokens; messaging asks identity for the access context "
             "twice, writes conversation + message + receipt + outbox (audit record, RECEPTION_MESSAGE) in one "
             "transaction, then reads the message and appends its LIST record to audit synchronously"]
    works = [Work("bench.messaging:message_round", (platform.gateway_url, patient_id, gp_token, patient_token),
                  threads)] * processes
    summary, usage = drive_python(short, works, notes)
    notes.append(f"after the window, {documents_audit._drain_outbox(ctx, service='messaging')}")
    return Result("r", "messaging: GP sends + patient reads, via the gateway", f"python {processes}x{threads}",
                  processes * threads, summary, usage, unit="message", notes=notes)


MEASURES = [("r", measure_messaging)]
RATIOS = [("r", "n", "message sent + read via the gateway (two requests, identity, audit) / bare pipeline"),
          ("r", "c", "message sent + read via the gateway (two requests, identity, audit) / bare gRPC ceiling"),
          ("r", "g", "message sent + read / document list, both through the gateway with synchronous audit")]
