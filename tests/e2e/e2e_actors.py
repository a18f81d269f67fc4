"""People acting through the gateway in the end-to-end tests: professionals logged in with the
code from their mail, and what they do (deposit a document)."""
from __future__ import annotations

import json

import httpx

from demo_login import login
from devtools.demo import DEMO_PASSWORD
from devtools.samples import blank_pdf


class Actor:
    def __init__(self, platform, login_id: str, email: str, password: str = DEMO_PASSWORD):
        self.client = httpx.Client(base_url=platform.gateway_url, timeout=30)
        session = login(self.client, platform.mail_dir, login_id, password, email)
        self.client.headers["Authorization"] = f"Bearer {session['accessToken']}"

    def read(self, patient_id: str, document_id: str, **query) -> httpx.Response:
        return self.client.get(f"/v1/patients/{patient_id}/documents/{document_id}", params=query)


def deposit(gp: Actor, patient_id: str, title: str, type_code: str = "11488-4", class_code: str = "10", **flags) -> str:
    """A document deposited by the professional; `flags` are more metadata (hiddenFromPatient...)."""
    metadata = {"title": title, "classCode": class_code, "typeCode": type_code, "documentDate": "2026-11-20", **flags}
    response = gp.client.post(f"/v1/patients/{patient_id}/documents",
                              files={"metadata": (None, json.dumps(metadata), "application/json"),
                                     "file": ("compte-rendu.pdf", blank_pdf(), "application/pdf")})
    assert response.status_code == 200, response.text
    return response.json()["documentId"]
