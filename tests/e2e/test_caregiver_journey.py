"""Issue 11's caregiver journey through the gateway, with the demo data: Sophie, Jacqueline's
caregiver, logs in with her own password and code, switches to Jacqueline, lists and uploads a
document; Jacqueline's history shows the upload as Sophie's for her; Sophie may not close
Jacqueline's space (refused and recorded); Jacqueline revokes her and Sophie's very next request is
refused, her token still valid. Each acceptance and revocation leaves an attestation PDF in
Jacqueline's documents."""
from __future__ import annotations

import httpx
import pytest

from devtools.eventually import eventually
from e2e_actors import Actor
from family import acting_for, attestations, delegations, documents, history, upload

pytestmark = pytest.mark.usefixtures("patient_session")


@pytest.fixture(scope="module")
def jacqueline(platform, patient_session):
    with httpx.Client(base_url=platform.gateway_url, timeout=30,
                      headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"}) as client:
        yield platform.demo["patient"]["account_id"], client


@pytest.fixture(scope="module")
def sophie(platform):
    person = platform.demo["caregiver"]
    return Actor(platform, person["login_id"], person["email"])


def profiles_counted(person: Actor) -> set[str]:
    """The profiles the person's bell counts unread notices for (her own and those she acts for)."""
    counts = person.client.get("/v1/notifications/unread-counts")
    assert counts.status_code == 200, counts.text
    return {c["profileId"] for c in counts.json()["counts"]}


def test_the_caregiver_acts_for_jacqueline_until_she_revokes(platform, jacqueline, sophie):
    jacqueline_id, me = jacqueline
    sophie_id = platform.demo["caregiver"]["account_id"]
    [helping] = [d for d in delegations(sophie.client) if d["patientId"] == jacqueline_id]
    assert (helping["type"], helping["state"]) == ("DELEGATION_TYPE_CAREGIVING", "DELEGATION_STATE_ACCEPTED")
    accepted = eventually(lambda: attestations(me, jacqueline_id), 30, what="the acceptance attestation")
    eventually(lambda: jacqueline_id in profiles_counted(sophie), what="Jacqueline in Sophie's bell (family view)")

    with acting_for(platform, sophie.client, jacqueline_id) as for_jacqueline:
        before = {d["documentId"] for d in documents(for_jacqueline, jacqueline_id)}
        uploaded = upload(for_jacqueline, jacqueline_id, "Ordonnance du kiné")
        assert uploaded not in before
        assert uploaded in {d["documentId"] for d in documents(for_jacqueline, jacqueline_id)}

        def uploads_by_sophie():
            return [r for r in history(me, jacqueline_id)
                    if r.get("resourceId") == uploaded and r["action"] == "ACTION_CREATE"]
        [done] = eventually(uploads_by_sophie, what="the upload in Jacqueline's history")
        assert done["actor"]["type"] == "ACTOR_TYPE_PATIENT"       # audit's types: a delegate is a person
        assert (done["actor"]["id"], done["actor"]["onBehalfOf"]) == (sophie_id, jacqueline_id)
        assert done["actor"]["displayName"] == "Sophie Martin"

        closing = for_jacqueline.post(f"/v1/accounts/{jacqueline_id}:close", json={"password": platform.demo["password"]})
        assert closing.status_code == 403, closing.text
        assert closing.json()["reason"] == "NOT_HOLDER"
        assert me.get("/v1/accounts/me").json()["status"] == "ACCOUNT_STATUS_ACTIVE"
        eventually(lambda: [r for r in history(me, jacqueline_id) if r["actor"].get("id") == sophie_id
                            and r["decision"] == "DECISION_DENIED"], what="the refused closure in her history")

        [mine] = [d for d in delegations(me) if d["delegateAccountId"] == sophie_id
                  and d["state"] == "DELEGATION_STATE_ACCEPTED"]
        revoked = me.post(f"/v1/delegations/{mine['delegationId']}:revoke", json={})
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "DELEGATION_STATE_REVOKED"

        refused = for_jacqueline.get(f"/v1/patients/{jacqueline_id}/documents")
        assert refused.status_code == 403, refused.text
    assert sophie.client.post(f"/v1/profiles/{jacqueline_id}:actFor", json={}).status_code == 403
    eventually(lambda: jacqueline_id not in profiles_counted(sophie), what="Jacqueline gone from Sophie's bell")
    eventually(lambda: len(attestations(me, jacqueline_id)) == len(accepted) + 1, 30,
               what="the revocation attestation")
