"""Acceptance of a space's closure and deletion (DOMAIN §4.4), through the gateway: the demo patient
closes her space asking for deletion; her GP's read is refused ("profil clôturé"); she reopens it
by logging in again within the delay and finds everything; she closes it again; once the delay is
over (identity's clock moved) every service reports her data erased, no byte of hers is left in the
object store, and the audit log still verifies.

The demo patient's space is gone afterwards: this module runs last (its name sorts after the other
end-to-end modules), and it needs every holder of data to answer erasures (the whole issue 14)."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from demo_login import EMAIL, LOGIN_ID, PASSWORD, wait_for_code
from devtools.demo import operator_token
from devtools.eventually import eventually
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from e2e_actors import Actor

DELAY = timedelta(days=30)      # DELETION_DELAY_DAYS' default
# The demo's accepted caregiving puts an attestation in her Documents, filed by a background pass of
# documents: the list before closing waits for it, else it could arrive between the two lists.
ATTESTATION_TYPE = "59284-0"


def login(client: httpx.Client, mail_dir: Path, *, reopen: bool = False) -> dict:
    before = len(read_mails(mail_dir))
    started = client.post("/v1/sessions:start", json={"login_id": LOGIN_ID, "password": PASSWORD, "reopen": reopen})
    assert started.status_code == 200, started.text
    code = wait_for_code(mail_dir, EMAIL, before)
    session = client.post("/v1/sessions:complete",
                          json={"challenge_id": started.json()["challengeId"], "code": code, "reopen": reopen})
    assert session.status_code == 200, session.text
    return session.json()


def close(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/v1/accounts/me:close", json={"password": PASSWORD, "delete_data": True},
                       headers={"Authorization": f"Bearer {token}"})


def erasures(platform, account_id: str) -> list[pb.Erasure]:
    with grpc.insecure_channel(platform.address("identity")) as channel:
        return list(identity_pb2_grpc.IdentityServiceStub(channel).ListErasures(
            pb.ListErasuresRequest(account_id=account_id),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")]).erasures)


def files_holding(folders: list[Path], marker: bytes) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*")
            if p.is_file() and marker in p.read_bytes()]


def test_close_with_deletion_reopen_close_again_and_everything_is_erased(platform, gateway, patient_session):
    session, account = patient_session
    patient_id = account["accountId"]
    gp_fields = platform.demo["professionals"]["gp"]
    gp = Actor(platform, gp_fields["login_id"], gp_fields["email"])
    marker = f"octets-de-jacqueline-{uuid.uuid4()}".encode()
    deposited = gp.client.post(f"/v1/patients/{patient_id}/documents", files={
        "metadata": (None, json.dumps({"title": "Compte rendu", "classCode": "10", "typeCode": "11488-4",
                                       "documentDate": "2026-11-20"}), "application/json"),
        "file": ("compte-rendu.pdf", blank_pdf() + b"\n%" + marker + b"\n", "application/pdf")})
    assert deposited.status_code == 200, deposited.text
    document_id = deposited.json()["documentId"]
    folders = [platform.var_dir / "documents", platform.var_dir / "messaging"]
    assert files_holding(folders, marker)
    def listed_with_the_demo_attestation():
        mine = gateway.get(f"/v1/patients/{patient_id}/documents",
                           headers={"Authorization": f"Bearer {session['accessToken']}"})
        assert mine.status_code == 200, mine.text
        documents = mine.json().get("documents", [])
        return documents if any(d["typeCode"] == ATTESTATION_TYPE for d in documents) else None
    listed_before = sorted(d["documentId"] for d in eventually(
        listed_with_the_demo_attestation, 60, what="documents filed the demo caregiving's attestation"))

    assert close(gateway, session["accessToken"]).json()["status"] == "ACCOUNT_STATUS_CLOSED"
    refused = gp.read(patient_id, document_id)
    assert (refused.status_code, refused.json().get("reason")) == (400, "PROFILE_CLOSED"), refused.text

    reopened = login(gateway, platform.mail_dir, reopen=True)
    headers = {"Authorization": f"Bearer {reopened['accessToken']}"}
    assert gateway.get("/v1/accounts/me", headers=headers).json()["status"] == "ACCOUNT_STATUS_ACTIVE"
    again = gateway.get(f"/v1/patients/{patient_id}/documents", headers=headers)
    assert sorted(d["documentId"] for d in again.json().get("documents", [])) == listed_before
    assert gp.read(patient_id, document_id).status_code == 200

    assert close(gateway, reopened["accessToken"]).status_code == 200
    clock = platform.var_dir / "identity-clock-offset"
    clock.write_text(f"{(DELAY + timedelta(minutes=5)).total_seconds():.0f}\n")
    try:
        def erased():
            found = erasures(platform, patient_id)
            return found if found and found[0].completed_at.seconds else None
        [done] = eventually(erased, 180, what="every service reported the erasure")
    finally:
        clock.write_text("0\n")
    assert {r.service for r in done.reports} == {"documents", "messaging", "agenda", "profile", "exports",
                                                  "notifications", "audit", "identity"}
    assert done.reports[-1].service == "identity"
    assert files_holding(folders, marker) == []
    stub_answer = gateway.post("/v1/sessions:start", json={"login_id": LOGIN_ID, "password": PASSWORD, "reopen": True})
    assert stub_answer.status_code == 401

    from audit.verify import verify_database
    assert verify_database(platform.database_url("audit"), None).ok
