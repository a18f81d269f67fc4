"""The patient's activity history through the gateway (routes derived from the proto's bindings)."""
from __future__ import annotations

import httpx
import pytest
from mes.audit.v1 import audit_pb2 as pb

from audit_harness import record
from devtools.gateway_thread import jwks_identity, running_gateway
from meskit.auth import DELEGATE, PROFESSIONAL

P = "patient-1"


@pytest.fixture
def gateway(audit):
    audit_port = audit.servers[0][0].port
    with jwks_identity(audit.signer) as identity, running_gateway({
            "IDENTITY_ADDR": identity, "AUDIT_ADDR": f"127.0.0.1:{audit_port}"}) as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        yield client


def bearer(audit, metadata) -> dict[str, str]:
    return {"Authorization": metadata[0][1]}


@pytest.fixture
def history(audit):
    return audit.append(*[record(n, actor_id="pro-gp" if n % 2 else "pro-kine") for n in range(6)],
                        record(6, actor_type=pb.ACTOR_TYPE_PATIENT, actor_id=P))


class TestActivityOverHttp:
    def test_the_patient_pages_through_their_filtered_history(self, audit, gateway, history):
        headers = bearer(audit, audit.patient(P))
        query = {"actor_types": "ACTOR_TYPE_HEALTHCARE_PROFESSIONAL", "professional_id": "pro-gp",
                 "start_time": "2026-03-01T08:01:00Z", "page_size": "2"}
        first = gateway.get(f"/v1/patients/{P}/activity", params=query, headers=headers)
        assert first.status_code == 200, first.text
        body = first.json()
        assert [r["resourceId"] for r in body["records"]] == ["doc-5", "doc-3"]
        assert body["records"][0]["actor"] == {"type": "ACTOR_TYPE_HEALTHCARE_PROFESSIONAL", "id": "pro-gp",
                                               "professionCode": "10", "rpps": "10101234567",
                                               "displayName": "Dr Paul Bernard", "onBehalfOf": ""}
        second = gateway.get(f"/v1/patients/{P}/activity", headers=headers,
                             params={**query, "page_token": body["nextPageToken"]}).json()
        assert [r["resourceId"] for r in second["records"]] == ["doc-1"]
        assert not second.get("nextPageToken")

    def test_one_record_by_id(self, audit, gateway, history):
        got = gateway.get(f"/v1/patients/{P}/activity/{history[2].record_id}",
                          headers=bearer(audit, audit.as_(DELEGATE, "daughter", on_behalf_of=P)))
        assert got.status_code == 200 and got.json()["recordId"] == history[2].record_id

    def test_a_professional_is_refused(self, audit, gateway, history):
        response = gateway.get(f"/v1/patients/{P}/activity",
                               headers=bearer(audit, audit.as_(PROFESSIONAL, "pro-gp", profession_code="10")))
        assert response.status_code == 403

    def test_without_a_token_nobody_reads(self, gateway, history):
        assert gateway.get(f"/v1/patients/{P}/activity").status_code == 401


class TestRestrictedResourcesOverHttp:
    def test_an_embargoed_record_shows_neutral_and_a_hidden_one_never_reaches_a_delegate(self, audit, gateway):
        from test_audit_visibility import FUTURE, PENDING, restriction
        embargoed = record(1, resource_id="doc-onco", resource_label="Biopsie : carcinome",
                           visibility=restriction("doc-onco", until=FUTURE))
        secret = record(2, resource_id="doc-ivg", resource_label="Consultation confidentielle",
                        visibility=restriction("doc-ivg", hidden_lr=True))
        audit.append(embargoed, secret)
        mine = gateway.get(f"/v1/patients/{P}/activity", headers=bearer(audit, audit.patient(P))).json()["records"]
        by_id = {r["recordId"]: r for r in mine}
        assert by_id[embargoed.record_id]["resourceLabel"] == PENDING
        actor = by_id[embargoed.record_id].get("actor", {})
        assert (actor.get("id", ""), actor.get("displayName", ""), actor.get("rpps", "")) == ("", "", "")
        assert by_id[secret.record_id]["resourceLabel"] == "Consultation confidentielle"
        as_parent = bearer(audit, audit.as_(DELEGATE, "parent-1", on_behalf_of=P))
        theirs = gateway.get(f"/v1/patients/{P}/activity", headers=as_parent).json()["records"]
        assert [r["recordId"] for r in theirs] == [embargoed.record_id]
        hidden = gateway.get(f"/v1/patients/{P}/activity/{secret.record_id}", headers=as_parent)
        assert hidden.status_code == 404
