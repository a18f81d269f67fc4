"""DOMAIN §10.3 and §10.4 through the gateway: a document the GP hides from the patient until the
announcement visit is absent from her list, her bell and her history's details, then visible and
told once after the GP lifts it; a document hidden from a minor's legal representatives is absent
from the representative's list, history, bell, unread count and deliveries (mail, push, letter;
the stream and the print files are tested through gRPC in tests/integration/notifications/test_notifications_secrecy.py). (The one-month automatic lift with a moved clock is
tested through gRPC in tests/integration/documents/test_documents_embargo.py.)"""
from __future__ import annotations

import json

import grpc
import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from e2e_actors import Actor, deposit
from family import acting_for, bell, history

PENDING = "Document en attente de consultation d'annonce"


def document_ids(client: httpx.Client, patient_id: str) -> set[str]:
    response = client.get(f"/v1/patients/{patient_id}/documents", params={"page_size": "200"})
    assert response.status_code == 200, response.text
    return {d["documentId"] for d in response.json().get("documents", [])}


@pytest.fixture(scope="module")
def gp(platform):
    p = platform.demo["professionals"]["gp"]
    return Actor(platform, p["login_id"], p["email"])


@pytest.fixture(scope="module")
def patient(platform, patient_session):
    with httpx.Client(base_url=platform.gateway_url, timeout=30,
                      headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"}) as client:
        yield platform.demo["patient"]["account_id"], client


def test_an_embargoed_document_reaches_the_patient_only_once_lifted(gp, patient):
    patient_id, me = patient
    told_before = len(bell(me, patient_id, "REMISE_VISIBILITE_AUTO"))
    document = deposit(gp, patient_id, "Anatomopathologie : biopsie", hiddenFromPatient=True)

    assert document not in document_ids(me, patient_id)
    assert me.get(f"/v1/patients/{patient_id}/documents/{document}").status_code in (403, 404)
    pending = eventually(lambda: [r for r in history(me, patient_id) if r["resourceLabel"] == PENDING
                                  and r["action"] == "ACTION_CREATE"], what="the deposit in the history")
    assert all(not r.get("actor", {}).get("id") and not r.get("resourceId") for r in pending)
    assert all("biopsie" not in json.dumps(r) for r in history(me, patient_id))

    lifted = gp.client.post(f"/v1/patients/{patient_id}/documents/{document}:setVisibility",
                            json={"hiddenFromPatient": False})
    assert lifted.status_code == 200, lifted.text
    assert document in document_ids(me, patient_id)
    eventually(lambda: len(bell(me, patient_id, "REMISE_VISIBILITE_AUTO")) == told_before + 1,
               what="the patient told of the lift")
    eventually(lambda: any(r["resourceLabel"] == "Anatomopathologie : biopsie" and r.get("resourceId") == document
                           for r in history(me, patient_id)), what="the history's details after the lift")


def parents_document_notices(platform, parent_id: str) -> set[str]:
    """The AJOUT_DOCUMENT events notifications plans to tell the parent of (mail, push or letter:
    quiet hours may hold the mail back, never the delivery record)."""
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        reply = notifications_pb2_grpc.NotificationsServiceStub(channel).ListRecipientDeliveries(
            npb.ListRecipientDeliveriesRequest(recipient_id=parent_id, event_type="AJOUT_DOCUMENT", page_size=500),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10)
    return {d.event_id for d in reply.deliveries}


def knows_the_representative(platform, child_id: str) -> bool:
    """Whether notifications learnt that the child is a minor with her representatives (identity's
    creation fact, relayed apart from documents' events, which may reach notifications first)."""
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        try:
            return notifications_pb2_grpc.NotificationsServiceStub(channel).GetRecipient(
                npb.GetRecipientRequest(account_id=child_id),
                metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10).minor
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return False
            raise


def test_the_legal_representative_sees_nothing_of_the_minors_hidden_document(platform, gp, patient):
    parent_id, _ = patient
    body = "2100975056321"
    with grpc.insecure_channel(platform.address("identity")) as channel:
        child = identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(ipb.CreateAccountRequest(
            nir=body + f"{97 - int(body) % 97:02d}", vitale_serial="40999999901", given_name="Léa", family_name="Martin",
            birth_date="2010-09-14", sex=ipb.SEX_FEMALE, legal_representative_account_id=parent_id),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")]).account.account_id
    eventually(lambda: knows_the_representative(platform, child), what="the child's representative known to notifications")
    notices_before = parents_document_notices(platform, parent_id)
    secret = deposit(gp, child, "Consultation confidentielle", hiddenFromLegalRepresentatives=True)
    seen = deposit(gp, child, "Certificat de vaccination")
    with acting_for(platform, patient[1], child) as as_parent:     # her own session switches to the child
        assert document_ids(as_parent, child) == {seen}
        assert as_parent.get(f"/v1/patients/{child}/documents/{secret}").status_code in (403, 404)
        eventually(lambda: any(r.get("resourceId") == seen for r in history(as_parent, child)),
                   what="the visible deposit in the history")
        parents_view = json.dumps(history(as_parent, child))
        assert secret not in parents_view and "Consultation confidentielle" not in parents_view
    _, parent = patient      # the parent's own session reads the child's bell as her legal representative
    eventually(lambda: len(bell(parent, child, "AJOUT_DOCUMENT")) == 1, what="the visible deposit in the bell")
    assert len(bell(parent, child, "AJOUT_DOCUMENT")) == 1          # and not the hidden one
    counts = parent.get("/v1/notifications/unread-counts")
    assert counts.status_code == 200, counts.text
    (child_count,) = [c for c in counts.json()["counts"] if c["profileId"] == child]
    items = parent.get(f"/v1/profiles/{child}/notifications", params={"page_size": "100"}).json()["notifications"]
    assert child_count["unread"] == len(items)                 # the creation notice and the visible deposit only
    assert secret not in json.dumps(items)
    told = eventually(lambda: parents_document_notices(platform, parent_id) - notices_before,
                      what="the parent's deliveries of the visible deposit")
    assert len(told) == 1 and len(parents_document_notices(platform, parent_id) - notices_before) == 1
