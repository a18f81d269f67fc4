"""The profile service as a real gRPC server beside identity, audit, notifications and documents (the
documents harness's Stack, with profile's builder and its stub)."""
from __future__ import annotations

from dataclasses import dataclass

from mes.identity.v1 import identity_pb2 as ipb
from mes.lifecycle.v1 import lifecycle_pb2_grpc
from mes.profile.v1 import profile_pb2_grpc

import documents_harness
from documents_harness import PASSWORD, Stack

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

    def close_space(self, patient_id: str) -> None:
        self.identity.CloseAccount(ipb.CloseAccountRequest(account_id="me", password=PASSWORD),
                                   metadata=self.patient(patient_id), timeout=10)
