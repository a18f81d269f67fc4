"""What the delegation journeys do through the gateway: people logged in with their own code,
switching to a profile they act for, and reading what a patient's side shows."""
from __future__ import annotations

import json

import httpx

from devtools.samples import blank_pdf


def delegations(client: httpx.Client) -> list[dict]:
    """The caller's delegations, on both sides."""
    response = client.get("/v1/patients/me/delegations")
    assert response.status_code == 200, response.text
    return response.json().get("delegations", [])


def acting_for(platform, own: httpx.Client, patient_id: str) -> httpx.Client:
    """A client holding the act-on-behalf token for `patient_id` of the person `own` is logged in as."""
    switched = own.post(f"/v1/profiles/{patient_id}:actFor", json={})
    assert switched.status_code == 200, switched.text
    return httpx.Client(base_url=platform.gateway_url, timeout=30,
                        headers={"Authorization": f"Bearer {switched.json()['accessToken']}"})


def documents(client: httpx.Client, patient_id: str) -> list[dict]:
    response = client.get(f"/v1/patients/{patient_id}/documents", params={"page_size": "200"})
    assert response.status_code == 200, response.text
    return response.json().get("documents", [])


def history(client: httpx.Client, patient_id: str) -> list[dict]:
    response = client.get(f"/v1/patients/{patient_id}/activity", params={"page_size": "200"})
    assert response.status_code == 200, response.text
    return response.json().get("records", [])


def upload(client: httpx.Client, patient_id: str, title: str) -> str:
    metadata = {"title": title, "category": "DOCUMENT_CATEGORY_ORD_SOIN"}
    response = client.post(f"/v1/patients/{patient_id}/documents",
                           files={"metadata": (None, json.dumps(metadata), "application/json"),
                                  "file": ("ordonnance.pdf", blank_pdf(), "application/pdf")})
    assert response.status_code == 200, response.text
    return response.json()["documentId"]


def attestations(client: httpx.Client, patient_id: str) -> list[dict]:
    return [d for d in documents(client, patient_id) if "attestation" in d.get("title", "").lower()]


def bell(client: httpx.Client, profile_id: str, event_type: str) -> list[dict]:
    """The bell items of `event_type` on the profile, as the caller sees them."""
    response = client.get(f"/v1/profiles/{profile_id}/notifications", params={"page_size": "100"})
    assert response.status_code == 200, response.text
    return [n for n in response.json().get("notifications", []) if n["eventType"] == event_type]
