"""identity's GetAccessContext (service token), in the access decision's terms; its caregiving attestations."""
from __future__ import annotations

from datetime import timezone

import grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from meskit.access_context import TIMEOUT_SECONDS, AccessContextSource
from meskit.auth import Caller
from meskit.errors import Unavailable, code_name, received

from documents.domain.access import PatientSettings
from documents.domain.apps import AppGrant
from documents.domain.actors import AccessContext, PatientIdentity, ProfessionalRecord
from documents.domain.ports import PendingAttestation

ABSENT_STATES = frozenset({pb.ACCOUNT_STATUS_PENDING, pb.ACCOUNT_STATUS_OPPOSED, pb.ACCOUNT_STATUS_DELETED})
CLOSED_STATES = frozenset({pb.ACCOUNT_STATUS_CLOSED, pb.ACCOUNT_STATUS_SUSPENDED})


def context_from_pb(reply: pb.AccessContext) -> AccessContext:
    s = reply.settings
    settings = PatientSettings(
        patient_id=s.patient_id, blocked_professional_ids=frozenset(s.blocked_professional_ids),
        care_team_ids=frozenset(m.professional_id for m in s.care_team),
        administrator_ids=frozenset(m.professional_id for m in s.care_team if m.administrator),
        samu_access=s.emergency.samu_access, break_glass=s.emergency.break_glass,
        masked_in_emergency=s.emergency.masked_in_emergency,
        mask_new_documents_by_default=s.mask_new_documents_by_default, patient_is_minor=reply.patient_is_minor)
    professional = None
    if reply.HasField("professional") and reply.professional.professional_id:
        p = reply.professional
        professional = ProfessionalRecord(
            professional_id=p.professional_id, rpps=p.rpps, profession_code=p.profession_code,
            display_name=f"{p.given_name} {p.family_name}".strip(), samu_regulator=p.samu_regulator,
            occupational_medicine=p.occupational_medicine, insurer_doctor=p.insurer_doctor,
            mssante_address=p.mssante_address, email=p.email)
    return AccessContext(
        settings=settings, professional=professional,
        legal_representative_ids=frozenset(reply.legal_representative_account_ids),
        caregiver_ids=frozenset(reply.caregiver_account_ids),
        delegate_display_names=dict(reply.delegate_display_names),
        general_practitioner_ids=frozenset(m.professional_id for m in s.care_team
                                           if m.role == pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
        general_practitioner_emails=frozenset(g.notification_address for g in reply.general_practitioners
                                              if g.notification_address),
        patient_identity=PatientIdentity(family_name=reply.patient_family_name, given_name=reply.patient_given_name,
                                         birth_date=reply.patient_birth_date) if reply.patient_birth_date else None,
        space_closed=reply.patient_space_closed or reply.patient_status in CLOSED_STATES,
        space_absent=reply.patient_status in ABSENT_STATES,
        app=AppGrant(app_id=reply.app_grant.app_id, app_name=reply.app_grant.app_name, grant=reply.app_grant)
        if reply.HasField("app_grant") else None)


class IdentityAccessContexts(AccessContextSource):
    def get(self, patient_id: str, professional_id: str = "", app: Caller | None = None) -> AccessContext:
        return self.fetch_as(context_from_pb, patient_id, professional_id, app=app)


class IdentityAttestations:
    """identity's caregiving attestations outbox (documents' service token): ListPendingAttestations,
    AcknowledgeAttestations."""

    def __init__(self, channel: grpc.Channel):
        self._stub = identity_pb2_grpc.IdentityServiceStub(channel)

    def pending(self, limit: int) -> list[PendingAttestation]:
        try:
            reply = self._stub.ListPendingAttestations(pb.ListPendingAttestationsRequest(limit=limit),
                                                       timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise _unavailable(exc) from None
        return [PendingAttestation(attestation_id=a.attestation_id, patient_id=a.patient_id,
                                   delegation_id=a.delegation_id, kind=a.kind, title=a.title, content=a.content,
                                   occurred_at=a.occurred_at.ToDatetime(tzinfo=timezone.utc)) for a in reply.attestations]

    def acknowledge(self, attestation_ids: list[str]) -> int:
        try:
            return self._stub.AcknowledgeAttestations(pb.AcknowledgeAttestationsRequest(
                attestation_ids=attestation_ids), timeout=TIMEOUT_SECONDS).acknowledged
        except grpc.RpcError as exc:
            raise _unavailable(exc) from None


def _unavailable(exc: grpc.RpcError) -> Unavailable:
    """Whatever went wrong: the next pass retries (the status name only: no details in the logs)."""
    return Unavailable("Identité indisponible", reason=f"IDENTITY_{code_name(exc) or 'UNAVAILABLE'}")
