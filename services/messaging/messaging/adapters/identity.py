"""identity's GetAccessContext (service token), in messaging's terms."""
from __future__ import annotations

import grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from meskit import space
from meskit.access_context import TIMEOUT_SECONDS, AccessContextSource
from meskit.errors import Unavailable, received

from messaging.domain.actors import AccessContext, ProfessionalRecord


def context_from_pb(patient_id: str, reply: pb.AccessContext) -> AccessContext:
    professional = None
    if reply.HasField("professional") and reply.professional.professional_id:
        p = reply.professional
        professional = ProfessionalRecord(
            professional_id=p.professional_id, rpps=p.rpps, profession_code=p.profession_code,
            display_name=f"{p.given_name} {p.family_name}".strip(), specialty=p.specialty,
            mssante_address=p.mssante_address)
    return AccessContext(
        patient_id=patient_id,
        patient_display_name=f"{reply.patient_given_name} {reply.patient_family_name}".strip(),
        blocked_professional_ids=frozenset(reply.settings.blocked_professional_ids),
        legal_representative_ids=frozenset(reply.legal_representative_account_ids),
        caregiver_ids=frozenset(reply.caregiver_account_ids),
        delegate_display_names=dict(reply.delegate_display_names), professional=professional,
        space_closed=space.state(reply) == space.CLOSED,
        space_missing=space.state(reply) == space.NO_SPACE)


class IdentityAccessContexts(AccessContextSource):
    def get(self, patient_id: str, professional_id: str = "") -> AccessContext:
        return context_from_pb(patient_id, self.fetch(patient_id, professional_id))


class IdentityMailDirectory:
    """identity's ResolveMailAddresses for the MSSanté bridge (service token)."""

    def __init__(self, channel: grpc.Channel, patient_domain: str):
        self._stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self._domain = patient_domain

    def _call(self, request: pb.ResolveMailAddressesRequest) -> pb.ResolveMailAddressesResponse:
        try:
            return self._stub.ResolveMailAddresses(request, timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise received(exc, Unavailable("Annuaire des adresses indisponible, réessayez plus tard",
                                            reason="IDENTITY_UNAVAILABLE")) from None

    def resolve(self, addresses: list[str]) -> dict[str, tuple[str, str]]:
        reply = self._call(pb.ResolveMailAddressesRequest(addresses=addresses, patient_domain=self._domain))
        return {a.address: (a.patient_id, a.professional_id) for a in reply.addresses}

    def patient_address(self, patient_id: str) -> str:
        reply = self._call(pb.ResolveMailAddressesRequest(patient_domain=self._domain, patient_ids=[patient_id]))
        return reply.patients[0].address if reply.patients else ""
