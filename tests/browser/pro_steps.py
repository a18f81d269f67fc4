"""What the professionals' browser tests do: a professional created by an operator (as the RPPS
directory feed would), logged in through the gateway for a deposit, and the patient's traits a
professional reads on her card."""
from __future__ import annotations

import json
import secrets

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from playwright.sync_api import Page

from devtools.demo import _patient, operator_token
from devtools.platform import LocalPlatform
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from portal_tabs import PASSWORD, Tab, mailed_code


def new_professional(platform: LocalPlatform, family_name: str = "Bernard", profession_code: str = "10") -> dict:
    """A professional with a login id, PASSWORD and an email their login codes go to."""
    tag = secrets.token_hex(4)
    login_id = f"dr.{family_name.lower()}.{tag}"
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateProfessional(ipb.CreateProfessionalRequest(
            rpps=f"10{secrets.randbelow(10 ** 9):09d}", profession_code=profession_code, given_name="Paul",
            family_name=family_name, login_id=login_id, password=PASSWORD, email=f"{login_id}@example.fr",
            mssante_address=f"{login_id}@medecin.mssante.fr"),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10)
    return {"professional_id": created.professional_id, "login_id": login_id, "password": PASSWORD,
            "email": f"{login_id}@example.fr", "family_name": family_name}


def traits(patient: dict) -> dict:
    """The patient's NIR, names and birth date, as on her card (portal_tabs.new_patient's person)."""
    person = _patient()
    return {"nir": patient["nir"], "family_name": person["family_name"], "given_name": patient["given_name"],
            "birth_date": person["birth_date"]}


def api_token(platform: LocalPlatform, person: dict) -> str:
    """The person's access token, logged in through the gateway with the mailed code."""
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        before = len(read_mails(platform.mail_dir))
        started = client.post("/v1/sessions:start", json={"login_id": person["login_id"],
                                                          "password": person["password"]})
        assert started.status_code == 200, started.text
        session = client.post("/v1/sessions:complete", json={
            "challenge_id": started.json()["challengeId"], "code": mailed_code(platform, person["email"], before)})
        assert session.status_code == 200, session.text
        return session.json()["accessToken"]


def deposit(platform: LocalPlatform, professional: dict, patient_id: str, title: str,
            type_code: str = "11488-4") -> str:
    """The professional files a PDF for the patient through the gateway."""
    metadata = {"title": title, "typeCode": type_code, "documentDate": "2026-11-20"}
    filed = httpx.post(f"{platform.gateway_url}/v1/patients/{patient_id}/documents", timeout=30,
                       headers={"Authorization": f"Bearer {api_token(platform, professional)}"},
                       files={"metadata": (None, json.dumps(metadata), "application/json"),
                              "file": ("compte-rendu.pdf", blank_pdf(), "application/pdf")})
    assert filed.status_code == 200, filed.text
    return filed.json()["documentId"]


def conversations(platform: LocalPlatform, patient: dict) -> list[dict]:
    """The patient's conversations, as her messaging lists them."""
    listed = httpx.get(f"{platform.gateway_url}/v1/patients/{patient['account_id']}/conversations", timeout=30,
                       headers={"Authorization": f"Bearer {api_token(platform, patient)}"})
    assert listed.status_code == 200, listed.text
    return listed.json().get("conversations", [])


def find_patient(tab: Tab, found: dict, birth_date: str = "") -> Page:
    """On /pro: the patient's NIR, family name and birth date (another one when given), then search."""
    page = tab.goto("/pro")
    year, month, day = (birth_date or found["birth_date"]).split("-")
    page.get_by_label("Numéro de sécurité sociale").fill(found["nir"])
    page.get_by_label("Nom de famille").fill(found["family_name"])
    page.get_by_label("Jour").fill(str(int(day)))
    page.get_by_label("Mois").fill(str(int(month)))
    page.get_by_label("Année").fill(year)
    return tab.submit(page.get_by_role("button", name="Rechercher le patient"))


def break_glass(tab: Tab, found: dict, family_name: str, justification: str) -> Page:
    """From /pro/patient: the break-glass form with the identity as the professional records it."""
    page = tab.page
    tab.submit(page.get_by_role("link", name="Accès en urgence — bris de glace"))
    year, month, day = found["birth_date"].split("-")
    page.get_by_label("Nom de famille du patient").fill(family_name)
    page.get_by_label("Prénom du patient").fill(found["given_name"])
    page.get_by_label("Jour").fill(str(int(day)))
    page.get_by_label("Mois").fill(str(int(month)))
    page.get_by_label("Année").fill(year)
    page.get_by_label("Justification de l’accès en urgence").fill(justification)
    return tab.submit(page.get_by_role("button", name="Accéder en urgence au dossier"))
