"""The prevention calendar through the gateway, with the demo family: the demo patient (80) sees
her dental, glaucoma and vaccination items to plan; Julien, switched to his daughter Léa's profile
(17), sees hers and marks one done, which Léa's own calendar then shows."""
from __future__ import annotations

from datetime import date

import pytest

from e2e_actors import Actor
from family import acting_for

pytestmark = pytest.mark.usefixtures("patient_session")
TO_PLAN = "PREVENTION_STATUS_TO_PLAN"


def to_plan(client, patient_id: str, **query) -> list[dict]:
    response = client.get(f"/v1/patients/{patient_id}/prevention-items",
                          params={"upcoming_only": "true", "statuses": TO_PLAN, "page_size": "100", **query})
    assert response.status_code == 200, response.text
    return response.json().get("items", [])


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


def test_julien_sees_and_marks_lea_s_calendar_after_switching_to_her_profile(platform):
    demo = platform.demo
    child_id = demo["child"]["account_id"]
    julien = Actor(platform, demo["parent"]["login_id"], demo["parent"]["email"])
    as_lea = acting_for(platform, julien.client, child_id)
    items = to_plan(as_lea, child_id)
    codes = {i["code"] for i in items}
    assert {"mt_dents_annual", "vac_hpv_catchup", "vac_menb_young_adult", "bilan_prevention_18_25"} <= codes
    assert not codes & {"dental_adult_annual", "glaucoma_screening", "vac_zona"}
    dental = next(i for i in items if i["code"] == "mt_dents_annual")
    marked = as_lea.post(f"/v1/patients/{child_id}/prevention-items/{dental['itemId']}:markDone",
                         json={"done": True, "executionDate": date.today().isoformat()})
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "PREVENTION_STATUS_DONE"
    seen = as_lea.get(f"/v1/patients/{child_id}/prevention-items/{dental['itemId']}")
    assert seen.status_code == 200 and seen.json()["executionDate"] == date.today().isoformat()
    refused = julien.client.get(f"/v1/patients/{child_id}/prevention-items")   # his own token: his own space
    assert refused.status_code == 403, refused.text
