"""Steps of the history, access and notifications tests: professionals of the directory (created by
an operator through identity's gRPC, as devtools.demo does), logged in through the gateway with the
code from their mail, and what they do (deposit a document in a patient's space)."""
from __future__ import annotations

import itertools
import json
import secrets

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import DEMO_PASSWORD, operator_token
from devtools.platform import LocalPlatform
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from portal_tabs import mailed_code

_numbers = itertools.count(1)
_RUN = f"{secrets.randbelow(899_999) + 100_000:06d}"


def unique(name: str) -> str:
    """A family name of this run (the shared directory keeps the professionals of earlier runs)."""
    return f"{name}-{''.join(secrets.choice('bcdfghjklmnpqrstvwxz') for _ in range(6))}"


def new_professional(platform: LocalPlatform, family_name: str, given_name: str = "Claire",
                     profession_code: str = "10", city: str = "Paris") -> dict:
    """A professional of the directory, with a family name and an RPPS of this run."""
    n = next(_numbers)
    fields = {"rpps": f"10{_RUN}{n:03d}", "profession_code": profession_code, "given_name": given_name,
              "family_name": family_name, "city": city, "login_id": f"ps.{_RUN}.{n}",
              "email": f"ps.{_RUN}.{n}@cabinet.example", "password": DEMO_PASSWORD,
              "specialty": "Médecine générale" if profession_code == "10" else ""}
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateProfessional(
            ipb.CreateProfessionalRequest(**fields),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10)
    return {**fields, "professional_id": created.professional_id}


def professional_client(platform: LocalPlatform, professional: dict) -> httpx.Client:
    """The professional signed in through the gateway (password, then the mailed code)."""
    client = httpx.Client(base_url=platform.gateway_url, timeout=30)
    before = len(read_mails(platform.mail_dir))
    started = client.post("/v1/sessions:start", json={"login_id": professional["login_id"],
                                                      "password": professional["password"]})
    assert started.status_code == 200, started.text
    code = mailed_code(platform, professional["email"], before)
    session = client.post("/v1/sessions:complete", json={"challenge_id": started.json()["challengeId"], "code": code})
    assert session.status_code == 200, session.text
    client.headers["Authorization"] = f"Bearer {session.json()['accessToken']}"
    return client


def deposit(client: httpx.Client, patient_id: str, title: str, type_code: str = "11488-4") -> str:
    metadata = {"title": title, "classCode": "10", "typeCode": type_code, "documentDate": "2026-11-20"}
    response = client.post(f"/v1/patients/{patient_id}/documents",
                           files={"metadata": (None, json.dumps(metadata), "application/json"),
                                  "file": ("compte-rendu.pdf", blank_pdf(), "application/pdf")})
    assert response.status_code == 200, response.text
    return response.json()["documentId"]
