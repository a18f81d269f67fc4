"""A prescription to a pharmacy through the gateway: an operator loads a pharmacy of her own test
(not the demo's) and the insurer's feed records a visit there by the demo patient; she searches
pharmacies (hers first, flagged "déjà fréquentée"), sends a prescription of her documents to it and
finds the conversation and its attachment on her side; a professional who is not a pharmacy cannot
be written to first. And an attachment the GP sent is saved into her documents, the GP its author."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, timedelta

import grpc
import httpx
import pytest
from mes.messaging.v1 import messaging_pb2 as pb
from mes.messaging.v1 import messaging_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from e2e_actors import Actor


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def her(platform, patient_session):
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    yield platform.demo["patient"]["account_id"], patient
    patient.close()


@pytest.fixture(scope="module")
def pharmacy(platform, her) -> pb.Pharmacy:
    """Loaded by an operator over gRPC (the directory and the feed have no public route)."""
    patient_id, _ = her
    tag = uuid.uuid4().hex[:8]
    finess = f"69{int(tag, 16) % 10_000_000:07d}"
    entry = pb.Pharmacy(finess=finess, name=f"Pharmacie Bellecour {tag}", address="1 place Bellecour",
                        postal_code="69002", city="Lyon", mssante_address=f"officine.{tag}@pharmacie.mssante.fr",
                        mailbox_type=pb.MAILBOX_TYPE_ORGANISATIONAL)
    operator = [("authorization", f"Bearer {operator_token(platform.key_file)}")]
    with grpc.insecure_channel(platform.address("messaging")) as channel:
        stub = messaging_pb2_grpc.MessagingServiceStub(channel)
        stub.UpsertPharmacies(pb.UpsertPharmaciesRequest(pharmacies=[
            entry, pb.Pharmacy(finess=f"{finess[:-1]}X", name=f"Pharmacie Bellecour {tag} bis", postal_code="69002",
                               city="Lyon", mailbox_type=pb.MAILBOX_TYPE_ORGANISATIONAL,
                               mssante_address=f"bis.{tag}@pharmacie.mssante.fr")]),
            metadata=operator, timeout=10)
        stub.RecordPharmacyVisits(pb.RecordPharmacyVisitsRequest(visits=[pb.PharmacyVisit(
            patient_id=patient_id, finess=finess, visit_date=(date.today() - timedelta(days=15)).isoformat())]),
            metadata=operator, timeout=10)
    return entry


def test_she_finds_her_pharmacy_first_and_sends_it_her_prescription(her, pharmacy):
    patient_id, patient = her
    base = f"/v1/patients/{patient_id}"
    found = ok(patient.get(f"{base}/pharmacies", params={"query": pharmacy.name}))["pharmacies"]
    assert [p["finess"] for p in found][:1] == [pharmacy.finess] and len(found) == 2
    assert found[0]["previouslyVisited"] is True and not found[1].get("previouslyVisited")
    contacts = ok(patient.get(f"{base}/contacts"))
    assert pharmacy.finess in {c["idNat"] for c in contacts["contacts"]}
    assert contacts["maxAttachmentBytes"] == "10000000"

    pdf = blank_pdf()
    document = ok(patient.post(f"{base}/documents", files={
        "metadata": (None, json.dumps({"title": "Ordonnance du médecin", "category": "DOCUMENT_CATEGORY_ORD_SOIN"}),
                     "application/json"),
        "file": ("ordonnance.pdf", pdf, "application/pdf")}))
    sent = ok(patient.post(f"{base}/pharmacies/{found[0]['pharmacyId']}:sendPrescription",
                           json={"documentId": document["documentId"]}))
    assert sent["body"].startswith("Bonjour, je souhaite vous partager mon document")
    assert "original papier" in sent["senderNotice"]

    listed = ok(patient.get(f"{base}/conversations"))["conversations"]
    conversation = next(c for c in listed if c["conversationId"] == sent["conversationId"])
    assert pharmacy.name in {p["displayName"] for p in conversation["participants"]}
    [message] = ok(patient.get(f"{base}/conversations/{sent['conversationId']}/messages"))["messages"]
    [attachment] = message["attachments"]
    assert (attachment["source"], attachment["sourceDocumentId"]) == ("ATTACHMENT_SOURCE_DOCUMENT",
                                                                      document["documentId"])
    downloaded = patient.get(f"{base}/messages/{message['messageId']}/attachments/{attachment['attachmentId']}:download")
    assert downloaded.status_code == 200 and downloaded.content == pdf


def test_a_report_is_not_a_prescription_and_a_professional_is_not_written_to_first(platform, her, pharmacy):
    patient_id, patient = her
    base = f"/v1/patients/{patient_id}"
    report = ok(patient.post(f"{base}/documents", files={
        "metadata": (None, json.dumps({"title": "Compte rendu", "category": "DOCUMENT_CATEGORY_CPT_REND"}),
                     "application/json"),
        "file": ("cr.pdf", blank_pdf(), "application/pdf")}))
    [mine] = ok(patient.get(f"{base}/pharmacies", params={"query": pharmacy.name, "visitedOnly": "true"}))["pharmacies"]
    refused = patient.post(f"{base}/pharmacies/{mine['pharmacyId']}:sendPrescription",
                           json={"documentId": report["documentId"]})
    assert (refused.status_code, refused.json()["reason"]) == (400, "NOT_A_PRESCRIPTION")

    gp_id = platform.demo["professionals"]["gp"]["professional_id"]
    started_by_her = patient.post(f"{base}/conversations", json={"subject": "Question", "body": "Bonjour",
                                                                 "recipientIds": [gp_id]})
    assert (started_by_her.status_code, started_by_her.json()["code"], started_by_her.json()["reason"]) == (
        400, "FAILED_PRECONDITION", "PATIENT_CANNOT_START")


def test_she_saves_the_gps_attachment_into_her_documents_with_the_gp_as_author(platform, her):
    patient_id, patient = her
    base = f"/v1/patients/{patient_id}"
    gp_record = platform.demo["professionals"]["gp"]
    gp = Actor(platform, gp_record["login_id"], gp_record["email"])
    pdf = blank_pdf()
    started = ok(gp.client.post(f"{base}/conversations", json={
        "subject": "Votre bilan", "body": "Bonjour, voici le bilan.",
        "attachments": [{"file": {"filename": "bilan.pdf", "contentType": "application/pdf",
                                  "content": base64.b64encode(pdf).decode()}}]}))
    [message] = ok(patient.get(f"{base}/conversations/{started['conversationId']}/messages"))["messages"]
    [attachment] = message["attachments"]
    assert attachment["canSaveToDocuments"] is True
    path = f"{base}/messages/{message['messageId']}/attachments/{attachment['attachmentId']}:saveToDocuments"
    saved = ok(patient.post(path, json={"title": "Bilan sanguin", "category": "BIOLOGIE"}))
    assert ok(patient.post(path, json={"title": "Bilan sanguin", "category": "BIOLOGIE"})) == saved   # once
    document = ok(patient.get(f"{base}/documents/{saved['documentId']}"))
    assert (document["author"]["type"], document["author"]["id"]) == ("AUTHOR_TYPE_PRACTITIONER",
                                                                      gp_record["professional_id"])
    assert document["category"] == "DOCUMENT_CATEGORY_BIOLOGIE"
    downloaded = patient.get(f"{base}/documents/{saved['documentId']}:download")
    assert downloaded.status_code == 200 and downloaded.content == pdf
    bad = patient.post(path, json={"category": "AUTR_DOC"})
    assert (bad.status_code, bad.json()["code"]) == (400, "INVALID_ARGUMENT")


def test_the_pharmacys_mailbox_receives_the_prescription_by_smtp(platform, her, pharmacy):
    patient_id, patient = her
    base = f"/v1/patients/{patient_id}"
    pdf = blank_pdf()
    document = ok(patient.post(f"{base}/documents", files={
        "metadata": (None, json.dumps({"title": "Ordonnance", "category": "DOCUMENT_CATEGORY_ORD_SOIN"}),
                     "application/json"),
        "file": ("ordonnance.pdf", pdf, "application/pdf")}))
    [mine] = ok(patient.get(f"{base}/pharmacies", params={"query": pharmacy.name, "visitedOnly": "true"}))["pharmacies"]
    sent = ok(patient.post(f"{base}/pharmacies/{mine['pharmacyId']}:sendPrescription",
                           json={"documentId": document["documentId"]}))

    def received():
        for mail in read_mails(platform.mail_dir):
            if pharmacy.mssante_address in mail.get("To", "") and mail.get("Message-ID") == sent["mssanteMessageId"]:
                return mail
        return None
    mail = eventually(received, what="the prescription in the pharmacy's MSSanté mailbox", timeout=30)
    [part] = [p for p in mail.iter_attachments()]
    assert part.get_content_type() == "application/pdf" and part.get_content() == pdf
