"""Shared steps of the people pages' browser tests (proches, applications, compte): activated
patients with their names, a fresh catalogue app referenced by an operator."""
from __future__ import annotations

import secrets

import grpc
import httpx
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc

from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

import portal_tabs
from devtools.demo import _nir, _patient, operator_token
from devtools.platform import LocalPlatform


def new_person(platform: LocalPlatform, given_name: str) -> dict:
    """As portal_tabs.new_patient, with a family name of its own (an invitation finds people by
    name, first name and birth date: the demo's default name would match several)."""
    person = {**_patient(), "given_name": given_name,
              "family_name": "Durand-" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))}
    commune, order = f"{secrets.randbelow(899) + 100:03d}", f"{secrets.randbelow(899) + 100:03d}"
    nir = _nir("2", person["birth_date"], "75", commune, order)
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(
            ipb.CreateAccountRequest(**{**person, "nir": nir}),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10)
    login = f"proche.{commune}{order}"
    return {"account_id": created.account.account_id, "provisional_code": created.provisional_code, "nir": nir,
            "vitale_serial": person["vitale_serial"], "login_id": login, "email": f"{login}@example.fr",
            "password": portal_tabs.PASSWORD, "given_name": given_name}


def activated_patient(platform: LocalPlatform, given_name: str) -> dict:
    """A patient who activated her space, with her family name and birth date (to invite her)."""
    patient = new_person(platform, given_name)
    response = httpx.post(platform.gateway_url + "/v1/activations", timeout=30, json={
        "provisional_code": patient["provisional_code"], "nir": patient["nir"],
        "vitale_serial": patient["vitale_serial"], "login_id": patient["login_id"], "password": patient["password"],
        "email": patient["email"], "accept_terms": True})
    assert response.status_code == 200, response.text
    account = response.json()["account"]
    return {**patient, "family_name": account["familyName"], "birth_date": account["birthDate"]}


def reference_app(platform: LocalPlatform, redirect_uri: str) -> dict:
    """A new app of the catalogue (EN_LIGNE), as an operator references it; its client id and secret."""
    name = f"Tensio {secrets.token_hex(3)}"
    app = cpb.App(name=name, publisher="Cardio Maison", description="Tensiomètre connecté : vos mesures de tension.",
                  themes=["CARDIO"], status=cpb.APP_STATUS_EN_LIGNE, redirect_uris=[redirect_uri],
                  client_auth_method=cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, website_url="https://tensio.example",
                  purposes=[cpb.Purpose(code="MESURES_TENSION", label="Partager vos mesures de tension",
                                        description="Le tensiomètre ajoute vos mesures à votre profil médical.",
                                        exchanges=[cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES,
                                                                    action=cpb.EXCHANGE_ACTION_WRITE,
                                                                    categories=["HEART_RATE"])])])
    with grpc.insecure_channel(platform.address("identity")) as channel:
        referenced = catalogue_pb2_grpc.CatalogueServiceStub(channel).ReferenceApp(
            cpb.ReferenceAppRequest(app=app), metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")],
            timeout=10)
    return {"name": name, "client_id": referenced.app.app_id, "client_secret": referenced.client_secret,
            "redirect_uri": redirect_uri}
