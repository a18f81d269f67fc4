"""Secure messaging through the gateway: the demo GP writes to the demo patient with a PDF, she
reads it and its attachment, her bell counts the message, she answers with a file uploaded ahead
(the gateway's multipart upload); the GP closes the
conversation and her next answer is refused; her history shows every read."""
from __future__ import annotations

import base64
import json

import httpx
import pytest

from devtools.eventually import eventually
from devtools.samples import blank_pdf
from e2e_actors import Actor


@pytest.fixture(scope="module")
def people(platform, patient_session):
    demo = platform.demo
    gp = demo["professionals"]["gp"]
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    return demo["patient"]["account_id"], Actor(platform, gp["login_id"], gp["email"]), patient


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def test_the_gp_writes_she_reads_answers_and_cannot_answer_once_closed(people):
    patient_id, gp, patient = people
    base = f"/v1/patients/{patient_id}"
    pdf = blank_pdf()
    started = ok(gp.client.post(f"{base}/conversations", json={
        "subject": "Résultats de votre bilan", "body": "Bonjour, voici le compte rendu.",
        "attachments": [{"file": {"filename": "compte-rendu.pdf", "contentType": "application/pdf",
                                  "content": base64.b64encode(pdf).decode()}}]}))
    conversation_id = started["conversationId"]

    listed = ok(patient.get(f"{base}/conversations"))["conversations"]
    mine = next(c for c in listed if c["conversationId"] == conversation_id)
    assert mine["unreadCount"] == 1 and mine["replyOptions"] == ["REPLY_OPTION_REPLY"]
    [message] = ok(patient.get(f"{base}/conversations/{conversation_id}/messages"))["messages"]
    [attachment] = message["attachments"]
    downloaded = patient.get(f"{base}/messages/{message['messageId']}/attachments/{attachment['attachmentId']}:download")
    assert downloaded.status_code == 200 and downloaded.content == pdf
    assert ok(patient.post(f"{base}/conversations/{conversation_id}:markRead", json={}))["unreadCount"] == 0

    def rang():
        bell = ok(patient.get(f"/v1/profiles/{patient_id}/notifications"))["notifications"]
        return [n for n in bell if n["eventType"] == "RECEPTION_MESSAGE"] or None
    assert eventually(rang, what="RECEPTION_MESSAGE in her bell")

    # a file too big for a JSON body goes up first as a multipart upload, then is named in the answer
    note = b"Tension du matin : 12/8\n" * 50_000
    uploaded = ok(patient.post(f"{base}/attachments", files={
        "metadata": (None, json.dumps({"filename": "releve.txt"}), "application/json"),
        "file": ("releve.txt", note, "text/plain")}))
    answer = ok(patient.post(f"{base}/conversations/{conversation_id}/messages", json={
        "body": "Merci docteur", "attachments": [{"attachmentId": uploaded["attachmentId"]}]}))
    assert [r["participantId"] for r in answer["recipients"]] == [started["startedBy"]]
    assert [a["sizeBytes"] for a in answer["attachments"]] == [str(len(note))]
    seen = ok(gp.client.get(f"{base}/conversations/{conversation_id}/messages"))["messages"]
    assert [m["body"] for m in seen] == ["Bonjour, voici le compte rendu.", "Merci docteur"]
    assert "readAt" in seen[0]["receipts"][0]            # the GP sees that she displayed his message

    closed = ok(gp.client.post(f"{base}/conversations/{conversation_id}:close", json={}))
    assert closed["state"] == "CONVERSATION_STATE_CLOSED"
    refused = patient.post(f"{base}/conversations/{conversation_id}/messages", json={"body": "Encore une question"})
    assert refused.status_code == 400
    assert (refused.json()["code"], refused.json()["reason"]) == ("FAILED_PRECONDITION", "CONVERSATION_CLOSED")

    started_by_her = patient.post(f"{base}/conversations", json={"subject": "Question", "body": "Bonjour",
                                                                 "recipientIds": [started["startedBy"]]})
    assert (started_by_her.status_code, started_by_her.json()["reason"]) == (400, "PATIENT_CANNOT_START")

    def reads() -> set | None:
        history = ok(patient.get(f"{base}/activity", params={"pageSize": 200}))["records"]
        found = {(r.get("resourceType"), r["action"]) for r in history}
        wanted = {("message", "ACTION_LIST"), ("attachment", "ACTION_DOWNLOAD"), ("message", "ACTION_CREATE")}
        return found if wanted <= found else None
    assert eventually(reads, what="the reads of the messages and the attachment in her history")
