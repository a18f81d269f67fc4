"""identity's GetAccessContext (service token), in the profile's terms."""
from __future__ import annotations

from datetime import date

from dataclasses import dataclass

import grpc
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.identity.v1 import identity_pb2 as pb

from meskit import apps
from meskit.access_context import AccessContextSource
from meskit.auth import Caller

from profile.domain.access import AccessContext

STATUS_PREFIX = "ACCOUNT_STATUS_"


def context_from_pb(patient_id: str, reply: pb.AccessContext) -> AccessContext:
    try:
        birth = date.fromisoformat(reply.patient_birth_date) if reply.patient_birth_date else None
    except ValueError:
        birth = None
    status = pb.AccountStatus.Name(reply.patient_status).removeprefix(STATUS_PREFIX) if reply.patient_status else ""
    pro = reply.professional if reply.HasField("professional") else None
    return AccessContext(
        patient_id=patient_id, patient_display_name=f"{reply.patient_given_name} {reply.patient_family_name}".strip(),
        birth_date=birth, is_minor=reply.patient_is_minor,
        legal_representative_ids=frozenset(reply.legal_representative_account_ids),
        caregiver_ids=frozenset(reply.caregiver_account_ids),
        delegate_display_names=dict(reply.delegate_display_names),
        care_team_ids=frozenset(m.professional_id for m in reply.settings.care_team),
        blocked_professional_ids=frozenset(reply.settings.blocked_professional_ids),
        mask_new_documents_by_default=reply.settings.mask_new_documents_by_default,
        professional_display_name=f"{pro.given_name} {pro.family_name}".strip() if pro else "",
        professional_excluded=bool(pro and (pro.occupational_medicine or pro.insurer_doctor)),
        space_closed=reply.patient_space_closed, status=status)


@dataclass(frozen=True)
class IdentityAppGrant:
    """identity's AppGrant, checked with the kit's rule (meskit.apps) on the MEASURES perimeter."""
    grant: pb.AppGrant

    @property
    def app_id(self) -> str:
        return self.grant.app_id

    @property
    def app_name(self) -> str:
        return self.grant.app_name

    def require(self, code: str, *, write: bool) -> None:
        apps.require_exchange(self.grant, cpb.PERIMETER_MEASURES,
                              cpb.EXCHANGE_ACTION_WRITE if write else cpb.EXCHANGE_ACTION_READ, code)


class IdentityAccessContexts(AccessContextSource):
    def __init__(self, channel: grpc.Channel):
        super().__init__(channel, not_found="Profil introuvable")

    def get(self, patient_id: str, professional_id: str = "") -> AccessContext:
        return context_from_pb(patient_id, self.fetch(patient_id, professional_id))

    def for_app(self, patient_id: str, app: Caller) -> tuple[AccessContext, IdentityAppGrant]:
        reply = self.fetch(patient_id, app=app)
        return context_from_pb(patient_id, reply), IdentityAppGrant(reply.app_grant)
