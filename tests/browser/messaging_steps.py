"""What happens outside the patient's browser in the messaging tests, as the end-to-end tests do it:
a professional with an MSSanté mailbox (identity's operator RPC) signs in through the gateway with
the code from his mail and writes to the patient; an operator loads a pharmacy with an
organisational mailbox and the insurer's feed records her visit there (messaging's operator RPCs);
and what reaches a mailbox through the MSSanté bridge (the platform's mail sink)."""
from __future__ import annotations

import base64
import secrets
import uuid
from datetime import date, timedelta
from email.message import EmailMessage

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.messaging.v1 import messaging_pb2 as mpb
from mes.messaging.v1 import messaging_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from devtools.platform import LocalPlatform
from devtools.smtp_sink import read_mails
from portal_tabs import PASSWORD, mailed_code


def _operator(platform: LocalPlatform) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {operator_token(platform.key_file)}")]


def new_professional(platform: LocalPlatform) -> dict:
    """A GP of the directory with a personal MSSanté mailbox, a login and a password."""
    tag = secrets.token_hex(4)
    fields = {"rpps": f"1{secrets.randbelow(10**10):010d}", "profession_code": "10", "given_name": "Paul",
              "family_name": "Bernard", "specialty": "Médecine générale", "login_id": f"dr.bernard.{tag}",
              "email": f"paul.bernard.{tag}@cabinet.example", "mssante_address": f"paul.bernard.{tag}@medecin.mssante.fr",
              "city": "Paris"}
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateProfessional(
            ipb.CreateProfessionalRequest(**fields, password=PASSWORD), metadata=_operator(platform), timeout=10)
    return {**fields, "professional_id": created.professional_id}


def signed_in_professional(platform: LocalPlatform, professional: dict) -> httpx.Client:
    """The professional's client of the gateway, signed in with the code from his mail."""
    client = httpx.Client(base_url=platform.gateway_url, timeout=30)
    before = len(read_mails(platform.mail_dir))
    started = client.post("/v1/sessions:start", json={"login_id": professional["login_id"], "password": PASSWORD})
    assert started.status_code == 200, started.text
    code = mailed_code(platform, professional["email"], before)
    session = client.post("/v1/sessions:complete", json={"challenge_id": started.json()["challengeId"], "code": code})
    assert session.status_code == 200, session.text
    client.headers["Authorization"] = f"Bearer {session.json()['accessToken']}"
    return client


def professional_writes(client: httpx.Client, patient_id: str, subject: str, body: str,
                        attachment: tuple[str, bytes, str] | None = None) -> dict:
    """A new conversation started by the professional (through the gateway), with a file."""
    files = []
    if attachment is not None:
        filename, content, content_type = attachment
        files = [{"file": {"filename": filename, "contentType": content_type,
                           "content": base64.b64encode(content).decode()}}]
    started = client.post(f"/v1/patients/{patient_id}/conversations",
                          json={"subject": subject, "body": body, "attachments": files})
    assert started.status_code == 200, started.text
    return started.json()


def professional_reads(client: httpx.Client, patient_id: str, conversation_id: str) -> list[dict]:
    listed = client.get(f"/v1/patients/{patient_id}/conversations/{conversation_id}/messages")
    assert listed.status_code == 200, listed.text
    return listed.json()["messages"]


def professional_closes(client: httpx.Client, patient_id: str, conversation_id: str) -> None:
    closed = client.post(f"/v1/patients/{patient_id}/conversations/{conversation_id}:close", json={})
    assert closed.status_code == 200, closed.text


def pharmacy_she_went_to(platform: LocalPlatform, patient_id: str, visited: bool = True) -> dict:
    """A pharmacy with an organisational MSSanté mailbox, in her reimbursements of last month (unless
    not `visited`: then only in the directory)."""
    tag = uuid.uuid4().hex[:8]
    entry = {"finess": f"75{int(tag, 16) % 10_000_000:07d}", "name": f"Pharmacie des Lilas {tag}" if visited else f"Pharmacie du Marché {tag}",
             "address": "3 rue des Lilas", "postal_code": "75011", "city": "Paris",
             "mssante_address": f"officine.{tag}@pharmacie.mssante.fr"}
    with grpc.insecure_channel(platform.address("messaging")) as channel:
        stub = messaging_pb2_grpc.MessagingServiceStub(channel)
        stub.UpsertPharmacies(mpb.UpsertPharmaciesRequest(pharmacies=[mpb.Pharmacy(
            **entry, mailbox_type=mpb.MAILBOX_TYPE_ORGANISATIONAL)]), metadata=_operator(platform), timeout=10)
        if not visited:
            return entry
        stub.RecordPharmacyVisits(mpb.RecordPharmacyVisitsRequest(visits=[mpb.PharmacyVisit(
            patient_id=patient_id, finess=entry["finess"], visit_date=(date.today() - timedelta(days=20)).isoformat())]),
            metadata=_operator(platform), timeout=10)
    return entry


def mail_to(platform: LocalPlatform, address: str, subject_part: str = "") -> EmailMessage:
    """The newest mail the MSSanté bridge relayed to `address` (with `subject_part` in its subject)."""
    def received() -> EmailMessage | None:
        found = [m for m in read_mails(platform.mail_dir)
                 if address in m.get("To", "") and subject_part in m.get("Subject", "")]
        return found[-1] if found else None
    return eventually(received, 30, what=f"a mail to {address}")
