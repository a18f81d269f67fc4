"""Issue 11's family journey through the gateway, with the demo family: Julien, the legal
representative the insurer knows, invites Camille (found by name at birth, first name and birth
date); she accepts and Julien is told; each parent, switched to Léa's profile, sees her documents
but the one hidden from her legal representatives, and Léa's history keeps each parent's reads
apart. Identity's clock then moves past Léa's 18th birthday: both parents lose access at their next
request, although their tokens are still valid, Léa is invited to activate her own access and her
parents are told on their own profiles."""
from __future__ import annotations

from datetime import date

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from e2e_actors import Actor, deposit
from family import acting_for, bell, delegations, documents, history

pytestmark = pytest.mark.usefixtures("patient_session")


def planned_deliveries(platform, account_id: str, event_type: str) -> list:
    """What notifications plans to send the person (quiet hours may hold the mail, not the delivery)."""
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        return list(notifications_pb2_grpc.NotificationsServiceStub(channel).ListRecipientDeliveries(
            npb.ListRecipientDeliveriesRequest(recipient_id=account_id, event_type=event_type),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10).deliveries)


def days_to_18th_birthday(birth_date: str) -> int:
    birth = date.fromisoformat(birth_date)
    adult_on = date(birth.year + 18, 3, 1) if (birth.month, birth.day) == (2, 29) else birth.replace(year=birth.year + 18)
    return (adult_on - date.today()).days


def test_two_parents_then_the_young_adult(platform):
    demo = platform.demo
    child_id, julien_id, camille_id = (demo[role]["account_id"] for role in ("child", "parent", "second_parent"))
    julien = Actor(platform, demo["parent"]["login_id"], demo["parent"]["email"])
    camille = Actor(platform, demo["second_parent"]["login_id"], demo["second_parent"]["email"])
    gp = Actor(platform, demo["professionals"]["gp"]["login_id"], demo["professionals"]["gp"]["email"])

    invited = julien.client.post(f"/v1/patients/{child_id}/delegations", json={
        "type": "DELEGATION_TYPE_LEGAL_REPRESENTATION", "delegateFamilyName": "Durand", "delegateGivenName": "Camille",
        "delegateBirthDate": demo["second_parent"]["birth_date"]})
    assert invited.status_code == 200, invited.text
    [pending] = [d for d in delegations(camille.client) if d["patientId"] == child_id]
    assert pending["state"] == "DELEGATION_STATE_PENDING" and pending["invitedByAccountId"] == julien_id
    answered = camille.client.post(f"/v1/delegations/{pending['delegationId']}:respond", json={"accept": True})
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "DELEGATION_STATE_ACCEPTED"
    eventually(lambda: bell(julien.client, child_id, "ACCORD_PARTAGE_PROFIL"), what="Julien told of the acceptance")

    secret = deposit(gp, child_id, "Consultation confidentielle", hiddenFromLegalRepresentatives=True)
    seen = deposit(gp, child_id, "Certificat de vaccination")
    parents = {julien_id: julien, camille_id: camille}
    acting = {person_id: acting_for(platform, parent.client, child_id) for person_id, parent in parents.items()}
    try:
        for as_parent in acting.values():
            listed = {d["documentId"] for d in documents(as_parent, child_id)}
            assert seen in listed and secret not in listed
            assert as_parent.get(f"/v1/patients/{child_id}/documents/{seen}:download").status_code == 200
            assert as_parent.get(f"/v1/patients/{child_id}/documents/{secret}").status_code == 404

        def reads_of_seen():
            return {r["actor"]["id"]: r for r in history(acting[julien_id], child_id)
                    if r.get("resourceId") == seen and r["action"] == "ACTION_DOWNLOAD"}
        reads = eventually(lambda: len(reads_of_seen()) == 2 and reads_of_seen(), what="each parent's read")
        assert {(r["actor"]["type"], r["actor"]["onBehalfOf"]) for r in reads.values()} == {
            ("ACTOR_TYPE_PATIENT", child_id)}
        assert {r["actor"]["displayName"] for r in reads.values()} == {"Julien Moreau", "Camille Durand"}

        clock = platform.var_dir / "identity-clock-offset"
        clock.write_text(str((days_to_18th_birthday(demo["child"]["birth_date"]) + 1) * 86400))
        try:
            for as_parent in acting.values():     # tokens issued before the birthday, still valid
                eventually(lambda: as_parent.get(f"/v1/patients/{child_id}/documents").status_code == 403,
                           what="the parent refused at the next request")
            for parent in parents.values():
                assert parent.client.post(f"/v1/profiles/{child_id}:actFor", json={}).status_code == 403
            eventually(lambda: planned_deliveries(platform, child_id, "RAPPEL_CONSENT_PASSAGE_MAJO"), 30,
                       what="Léa invited to activate her own access")
            for person_id, parent in parents.items():
                eventually(lambda: bell(parent.client, person_id, "RAPPEL_CONSENT_RL_PASSAGE_MAJO"), 30,
                           what="each former representative told")
        finally:
            clock.write_text("0")
        for parent in parents.values():
            [ended] = [d for d in delegations(parent.client) if d["patientId"] == child_id]
            assert (ended["state"], ended["endedReason"]) == ("DELEGATION_STATE_ENDED", "MAJORITY")
        assert len(planned_deliveries(platform, child_id, "RAPPEL_CONSENT_PASSAGE_MAJO")) == 1
    finally:
        for client in acting.values():
            client.close()

