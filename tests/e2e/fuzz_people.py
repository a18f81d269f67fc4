"""The fuzzers' own people (tests/e2e/test_fuzz_*.py): a patient and a professional of her care team
that no other test knows, so that whatever random calls change or lock (an erased profile, a revoked
session) touches nobody else. Their calls come from an address of their own (X-Forwarded-For, which
the gateway trusts from 127.0.0.1): the limits counted per client address stay the other tests'."""
from __future__ import annotations

from dataclasses import dataclass

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from demo_login import login
from devtools.demo import DEMO_PASSWORD, _nir, _patient, _token, operator_token
from meskit.auth import PATIENT, SERVICE, Caller


@dataclass(frozen=True)
class FuzzPeople:
    patient_id: str
    professional_id: str
    patient_token: str          # access tokens issued by identity at login, through the gateway
    professional_token: str
    service_token: str          # signed like identity signs a service's client-credentials token
    client_address: str


def fuzz_people(platform, name: str, client_address: str) -> FuzzPeople:
    """`name` (a short word) tells apart the people of two fuzzers: their login ids, NIR and RPPS."""
    number = sum(name.encode()) % 900 + 100
    operator = [("authorization", f"Bearer {operator_token(platform.key_file)}")]
    birth = "1961-03-14"
    nir = _nir("1", birth, "13", "055", f"{number:03d}")
    patient_login, professional_login = f"fuzz.{name}.patient", f"fuzz.{name}.pro"
    with grpc.insecure_channel(platform.address("identity")) as channel:
        identity = identity_pb2_grpc.IdentityServiceStub(channel)
        created = identity.CreateAccount(ipb.CreateAccountRequest(**{
            **_patient(), "nir": nir, "birth_date": birth, "given_name": "Aléa", "family_name": name.title(),
            "sex": ipb.SEX_MALE}), metadata=operator, timeout=10)
        identity.ActivateAccount(ipb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=nir, vitale_serial=_patient()["vitale_serial"],
            login_id=patient_login, password=DEMO_PASSWORD, email=f"{patient_login}@example.fr",
            accept_terms=True), timeout=10)
        professional = identity.CreateProfessional(ipb.CreateProfessionalRequest(
            rpps=f"10108880{number:03d}", profession_code="10", given_name="Aléa", family_name=name.title(),
            login_id=professional_login, password=DEMO_PASSWORD, email=f"{professional_login}@cabinet.example"),
            metadata=operator, timeout=10)
        patient_id = created.account.account_id
        identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
            patient_id=patient_id, professional_id=professional.professional_id,
            role=ipb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
            metadata=[("authorization", f"Bearer {_token(platform.key_file, Caller(PATIENT, patient_id))}")],
            timeout=10)
    with httpx.Client(base_url=platform.gateway_url, timeout=30,
                      headers={"X-Forwarded-For": client_address}) as client:
        patient = login(client, platform.mail_dir, patient_login, DEMO_PASSWORD, f"{patient_login}@example.fr")
        pro = login(client, platform.mail_dir, professional_login, DEMO_PASSWORD,
                    f"{professional_login}@cabinet.example")
    return FuzzPeople(patient_id, professional.professional_id, patient["accessToken"], pro["accessToken"],
                      _token(platform.key_file, Caller(SERVICE, "exports")), client_address)
