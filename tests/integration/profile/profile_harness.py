"""The profile service as a real gRPC server beside identity, audit, notifications and documents (the
documents harness's Stack, with profile's builder and its stub)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from mes.identity.v1 import identity_pb2 as ipb
from mes.lifecycle.v1 import lifecycle_pb2_grpc
from mes.profile.v1 import profile_pb2_grpc

import documents_harness
from documents_harness import PASSWORD, Stack, _serial, nir

documents_harness.SECRETS["profile"] = "profile-client-secret-for-tests-0123456789"


@dataclass
class ProfileStack(Stack):
    def _build_profile(self):
        from profile.config import ProfileSettings
        from profile.wiring import build
        return build(self._settings(
            ProfileSettings, "profile", IDENTITY_ADDR=self.address("identity"), AUDIT_ADDR=self.address("audit"),
            DOCUMENTS_ADDR=self.address("documents"), SERVICE_CLIENT_SECRET=documents_harness.SECRETS["profile"]),
            relay_interval=0.1, erasure_interval=3600)

    @property
    def profile(self) -> profile_pb2_grpc.ProfileServiceStub:
        return self._stub("profile", profile_pb2_grpc.ProfileServiceStub)

    @property
    def subject_data(self) -> lifecycle_pb2_grpc.SubjectDataServiceStub:
        return lifecycle_pb2_grpc.SubjectDataServiceStub(self._channel("profile"))

    def new_activated_patient(self) -> str:
        """A holder who activated her space (she has a password: she can close it)."""
        return self.new_holder()[0]

    def new_holder(self) -> tuple[str, str]:
        """A holder who activated her space: (account id, login id); her password is PASSWORD."""
        n = next(_serial)
        birth = f"{time.gmtime().tm_year - 45}-06-{1 + n % 27:02d}"
        fields = dict(nir=nir("2", birth, 300 + n % 300), vitale_serial=f"{43000000000 + n}", given_name="Claire",
                      family_name=f"Profil{n}", birth_date=birth, sex=ipb.SEX_FEMALE)
        created = self.identity.CreateAccount(ipb.CreateAccountRequest(**fields), metadata=self.operator, timeout=10)
        self.identity.ActivateAccount(ipb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=fields["nir"], vitale_serial=fields["vitale_serial"],
            login_id=f"profil-{n:05d}", password=PASSWORD, email=f"profil{n}@example.org", accept_terms=True),
            timeout=10)
        return created.account.account_id, f"profil-{n:05d}"

    def close_space(self, patient_id: str) -> None:
        self.identity.CloseAccount(ipb.CloseAccountRequest(account_id="me", password=PASSWORD),
                                   metadata=self.patient(patient_id), timeout=10)
