"""The kit's own people, made once per run before the load starts: patients activated with a
password, one GP in each patient's care team who has written to her (a conversation to read and
answer). Through identity's operator RPCs (the insurer's feed and the RPPS directory stand-ins, gRPC
only) with short tokens signed by the platform's signing key, then the gateway like any client.

Every name carries the run's id, so runs against the same platform never collide."""
from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from loadtest.people import Patient
from meskit.auth import OPERATOR, PATIENT, PROFESSIONAL, Caller, TokenSigner

PASSWORD = "Charge-Sante-2026!"
BIRTH_DATE = "1970-05-17"


def nir(sex: str, birth: str, department: str, commune: str, order: str) -> str:
    body = f"{sex}{birth[2:4]}{birth[5:7]}{department}{commune}{order}"
    return body + f"{97 - int(body) % 97:02d}"


class Provisioner:
    def __init__(self, identity_addr: str, gateway_url: str, signing_key: Path,
                 issuer: str = "mes-identity", audience: str = "mes-api"):
        self.signer = TokenSigner(signing_key.read_bytes(), issuer=issuer, audience=audience, ttl_seconds=600)
        self.channel = grpc.insecure_channel(identity_addr)
        self.identity = identity_pb2_grpc.IdentityServiceStub(self.channel)
        self.gateway = httpx.Client(base_url=gateway_url, timeout=30)
        self.run_id = secrets.token_hex(3)
        self.gp: dict[str, str] = {}            # the run's GP, once made: professional_id, rpps, login_id

    def close(self) -> None:
        self.channel.close()
        self.gateway.close()

    def _bearer(self, caller: Caller) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.signer.sign(caller)[0]}")]

    def professional(self) -> tuple[str, str]:
        """(professional id, bearer header value) of the run's GP."""
        login_id = f"lt-{self.run_id}-gp"
        rpps = f"109{secrets.randbelow(10**8):08d}"
        made = self.identity.CreateProfessional(pb.CreateProfessionalRequest(
            rpps=rpps, profession_code="10", given_name="Gaston", family_name=f"Charge {self.run_id}",
            specialty="Médecine générale", login_id=login_id, password=PASSWORD, email=f"{login_id}@cabinet.example",
            mssante_address=f"{login_id}@medecin.mssante.fr", city="Paris"),
            metadata=self._bearer(Caller(OPERATOR, "loadtest")), timeout=30)
        self.gp = {"professional_id": made.professional_id, "rpps": rpps, "login_id": login_id}
        return made.professional_id, f"Bearer {self.gp_token()}"

    def gp_token(self) -> str:
        """A short token of the run's GP (a later step, e.g. the fault runner, writes as her)."""
        return self.signer.sign(Caller(PROFESSIONAL, self.gp["professional_id"], profession_code="10",
                                       rpps=self.gp["rpps"]))[0]

    def patient(self, number: int, gp_id: str, gp_bearer: str) -> Patient:
        login_id = f"lt-{self.run_id}-{number:05d}"
        email = f"{login_id}@charge.example"
        operator = self._bearer(Caller(OPERATOR, "loadtest"))
        while True:     # a random NIR of someone already known: draw another
            person_nir = nir("2", BIRTH_DATE, "75", f"{secrets.randbelow(1000):03d}", f"{secrets.randbelow(1000):03d}")
            try:
                created = self.identity.CreateAccount(pb.CreateAccountRequest(
                    nir=person_nir, vitale_serial="40999999999", given_name="Patiente", family_name=f"Charge {login_id}",
                    birth_date=BIRTH_DATE, sex=pb.SEX_FEMALE, email=email, postal_address="1 rue de la Charge, 75011 Paris"),
                    metadata=operator, timeout=30)
                break
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                    raise
        account_id = created.account.account_id
        self.identity.ActivateAccount(pb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=person_nir, vitale_serial="40999999999",
            login_id=login_id, password=PASSWORD, email=email, accept_terms=True), timeout=30)
        self.identity.AddCareTeamMember(pb.AddCareTeamMemberRequest(
            patient_id=account_id, professional_id=gp_id, role=pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
            metadata=self._bearer(Caller(PATIENT, account_id)), timeout=30)
        started = self.gateway.post(f"/v1/patients/{account_id}/conversations", headers={"Authorization": gp_bearer},
                                    json={"subject": "Suivi", "body": "Bonjour, comment allez-vous ?",
                                          "clientMessageId": f"{login_id}-welcome"})
        started.raise_for_status()
        return Patient(account_id, login_id, email, PASSWORD, started.json()["conversationId"])

    def patients(self, count: int, parallel: int = 4) -> list[Patient]:
        gp_id, gp_bearer = self.professional()
        with ThreadPoolExecutor(parallel) as pool:
            return list(pool.map(lambda n: self.patient(n, gp_id, gp_bearer), range(count)))

