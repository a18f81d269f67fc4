"""The MSSanté bridge end to end, through real SMTP with real TLS and the gateway: the demo GP's
mail client (an operator holding a trust-space client certificate for medecin.mssante.fr) sends a
mail with a PDF to the demo patient's address <NIR+key>@patient.mssante.fr; she sees it, her bell
counts it and a notice is planned; she replies through the gateway and the GP's mailbox (the
platform's SMTP sink) receives it threaded to his mail; his mail answering hers continues the
conversation; he closes it and her next reply is refused."""
from __future__ import annotations

import grpc
import httpx
import pytest
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from e2e_actors import Actor

PATIENT_DOMAIN = "patient.mssante.fr"


@pytest.fixture(scope="module")
def people(platform, patient_session):
    demo = platform.demo
    gp = demo["professionals"]["gp"]
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    return demo["patient"], gp, Actor(platform, gp["login_id"], gp["email"]), patient


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def gp_mail(sender: str, recipient: str, subject: str, text: str, *, pdf: bytes = b"",
            in_reply_to: str = "") -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, recipient, subject
    mail["Message-ID"] = make_msgid(domain="medecin.mssante.fr")
    if in_reply_to:
        mail["In-Reply-To"] = mail["References"] = in_reply_to
    mail.set_content(text)
    if pdf:
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="bilan-sanguin.pdf")
    return mail


def send(platform, mail: EmailMessage) -> tuple[int, bytes]:
    with platform.mssante_smtp() as smtp:
        assert smtp.mail(mail["From"])[0] == 250
        assert smtp.rcpt(mail["To"])[0] == 250
        return smtp.data(mail.as_bytes(policy=policy.SMTP))


def planned(platform, account_id: str) -> int:
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        return len(notifications_pb2_grpc.NotificationsServiceStub(channel).ListRecipientDeliveries(
            npb.ListRecipientDeliveriesRequest(recipient_id=account_id, event_type="RECEPTION_MESSAGE", page_size=500),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10).deliveries)


def test_a_gp_mail_reaches_her_and_her_reply_reaches_his_mailbox(platform, people):
    demo_patient, gp, gp_actor, patient = people
    patient_id = demo_patient["account_id"]
    address = f"{demo_patient['nir']}@{PATIENT_DOMAIN}"
    base = f"/v1/patients/{patient_id}"

    def bell() -> set[str]:
        """Her RECEPTION_MESSAGE bell items among the newest (ids: the first page has a fixed length)."""
        found = ok(patient.get(f"/v1/profiles/{patient_id}/notifications", params={"pageSize": 100}))["notifications"]
        return {n["notificationId"] for n in found if n["eventType"] == "RECEPTION_MESSAGE"}
    rung_before, planned_before = bell(), planned(platform, patient_id)

    pdf = blank_pdf()
    first = gp_mail(gp["mssante_address"], address, "Résultats de votre prise de sang",
                    "Bonjour Madame Martin,\nvos résultats sont joints.", pdf=pdf)
    assert send(platform, first) == (250, b"2.0.0 Delivered")

    listed = ok(patient.get(f"{base}/conversations"))["conversations"]
    mine = next(c for c in listed if c["subject"] == "Résultats de votre prise de sang")
    assert mine["unreadCount"] == 1
    conversation_id = mine["conversationId"]
    [message] = ok(patient.get(f"{base}/conversations/{conversation_id}/messages"))["messages"]
    assert message["body"] == "Bonjour Madame Martin,\nvos résultats sont joints."
    assert message["mssanteMessageId"] == first["Message-ID"]
    [attachment] = message["attachments"]
    downloaded = patient.get(f"{base}/messages/{message['messageId']}/attachments/{attachment['attachmentId']}:download")
    assert downloaded.status_code == 200 and downloaded.content == pdf
    assert eventually(lambda: bell() - rung_before, timeout=60, what="RECEPTION_MESSAGE in her bell")
    assert eventually(lambda: planned(platform, patient_id) > planned_before, what="a RECEPTION_MESSAGE notice planned")

    # "Enregistrer dans mes documents de santé": filed with the GP as its author
    saved = ok(patient.post(f"{base}/messages/{message['messageId']}/attachments/{attachment['attachmentId']}"
                            ":saveToDocuments", json={"title": "Bilan sanguin", "category": "BIOLOGIE"}))
    document = ok(patient.get(f"{base}/documents/{saved['documentId']}"))
    assert (document["author"]["type"], document["author"]["id"]) == ("AUTHOR_TYPE_PRACTITIONER", gp["professional_id"])
    assert patient.get(f"{base}/documents/{saved['documentId']}:download").content == pdf

    # her history shows the reads of the message and of the attachment
    def reads() -> set[tuple[str, str]]:
        records = ok(patient.get(f"{base}/activity", params={"page_size": "200"})).get("records", [])
        return {(r["resourceType"], r.get("resourceId", "")) for r in records if r["decision"] == "DECISION_ALLOWED"}
    eventually(lambda: {("attachment", attachment["attachmentId"])} <= reads()
               and any(kind in ("message", "conversation") for kind, _ in reads()), what="the reads in her history")

    answer = ok(patient.post(f"{base}/conversations/{conversation_id}/messages",
                             json={"body": "Merci docteur, je prends rendez-vous."}))

    def received() -> list[EmailMessage]:
        return [m for m in read_mails(platform.mail_dir) if m["Message-ID"] == answer["mssanteMessageId"]]
    [reply] = eventually(received, what="her reply in the GP's mailbox")
    assert reply["From"].addresses[0].addr_spec == address
    assert reply["To"].addresses[0].addr_spec == gp["mssante_address"]
    assert reply["In-Reply-To"] == first["Message-ID"] and first["Message-ID"] in reply["References"].split()
    assert reply.get_body(preferencelist=("plain",)).get_content().strip() == "Merci docteur, je prends rendez-vous."

    # his mail client answers her mail: the same conversation
    again = gp_mail(gp["mssante_address"], address, "RE: Résultats de votre prise de sang", "Très bien, à bientôt.",
                    in_reply_to=reply["Message-ID"])
    assert send(platform, again)[0] == 250
    bodies = [m["body"] for m in ok(patient.get(f"{base}/conversations/{conversation_id}/messages"))["messages"]]
    assert bodies[-1] == "Très bien, à bientôt." and len(bodies) == 3

    closed = ok(gp_actor.client.post(f"{base}/conversations/{conversation_id}:close", json={}))
    assert closed["state"] == "CONVERSATION_STATE_CLOSED"
    refused = patient.post(f"{base}/conversations/{conversation_id}/messages", json={"body": "Une dernière question"})
    assert (refused.status_code, refused.json()["reason"]) == (400, "CONVERSATION_CLOSED")
