"""The prevention calendar through the gateway: the demo patient (80) sees her dental, glaucoma and
vaccination items to plan; Julien (the demo parent), switched to the profile of a daughter of 17
made for this test (so that no other journey's delegations or moved clocks matter), sees hers and
marks one done, which her calendar then shows."""
from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import operator_token
from e2e_actors import Actor
from family import acting_for

pytestmark = pytest.mark.usefixtures("patient_session")
TO_PLAN = "PREVENTION_STATUS_TO_PLAN"


def to_plan(client, patient_id: str, **query) -> list[dict]:
    response = client.get(f"/v1/patients/{patient_id}/prevention-items",
                          params={"upcoming_only": "true", "statuses": TO_PLAN, "page_size": "100", **query})
    assert response.status_code == 200, response.text
    return response.json().get("items", [])


def seventeen_year_old_daughter(platform, parent_id: str) -> str:
    """A child of 17 (and a month), her father as legal representative, created by the operator."""
    today = date.today()
    birth = date(today.year - 17, today.month, min(today.day, 28)) - timedelta(days=30)
    body = f"2{birth.year % 100:02d}{birth.month:02d}13055417"
    with grpc.insecure_channel(platform.address("identity")) as channel:
        return identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(ipb.CreateAccountRequest(
            nir=body + f"{97 - int(body) % 97:02d}", vitale_serial="40999999917", given_name="Inès",
            family_name="Moreau", birth_date=birth.isoformat(), sex=ipb.SEX_FEMALE,
            legal_representative_account_id=parent_id),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10).account.account_id


def test_the_demo_patient_at_80_has_dental_glaucoma_and_vaccinations_to_plan(platform, gateway, patient_session):
    session, _ = patient_session
    gateway.headers["Authorization"] = f"Bearer {session['accessToken']}"
    items = to_plan(gateway, "me")
    codes = {i["code"] for i in items}
    assert {"dental_adult_annual", "glaucoma_screening", "vac_zona", "vac_pneumo_65", "vac_rsv_senior"} <= codes
    assert not codes & {"mt_dents_annual", "screening_breast", "child_exam_01"}   # 80: past those
    assert all(i["status"] == TO_PLAN for i in items)
    starts = [i["windowStart"] for i in items]
    assert starts == sorted(starts)
    vaccinations = to_plan(gateway, "me", types="PREVENTION_TYPE_CAR_VAC")
    assert vaccinations and {i["type"] for i in vaccinations} == {"PREVENTION_TYPE_CAR_VAC"}


def test_julien_sees_and_marks_his_daughter_s_calendar_after_switching_to_her_profile(platform):
    demo = platform.demo
    child_id = seventeen_year_old_daughter(platform, demo["parent"]["account_id"])
    julien = Actor(platform, demo["parent"]["login_id"], demo["parent"]["email"])
    as_child = acting_for(platform, julien.client, child_id)
    items = to_plan(as_child, child_id)
    codes = {i["code"] for i in items}
    assert {"mt_dents_annual", "vac_hpv_catchup", "vac_menb_young_adult", "bilan_prevention_18_25"} <= codes
    assert not codes & {"dental_adult_annual", "glaucoma_screening", "vac_zona"}
    dental = next(i for i in items if i["code"] == "mt_dents_annual")
    marked = as_child.post(f"/v1/patients/{child_id}/prevention-items/{dental['itemId']}:markDone",
                         json={"done": True, "executionDate": date.today().isoformat()})
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "PREVENTION_STATUS_DONE"
    seen = as_child.get(f"/v1/patients/{child_id}/prevention-items/{dental['itemId']}")
    assert seen.status_code == 200 and seen.json()["executionDate"] == date.today().isoformat()
    refused = julien.client.get(f"/v1/patients/{child_id}/prevention-items")   # his own token: his own space
    assert refused.status_code == 403, refused.text
