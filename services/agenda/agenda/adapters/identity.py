"""identity's GetAccessContext (service token), in agenda's terms."""
from __future__ import annotations

from datetime import date

import grpc
from mes.identity.v1 import identity_pb2 as pb

from meskit import space
from meskit.access_context import AccessContextSource

from agenda.domain.access import AccessContext

SEX = {pb.SEX_FEMALE: "F", pb.SEX_MALE: "M"}


def context_from_pb(patient_id: str, reply: pb.AccessContext) -> AccessContext:
    try:
        birth = date.fromisoformat(reply.patient_birth_date) if reply.patient_birth_date else None
    except ValueError:
        birth = None
    return AccessContext(
        patient_id=patient_id, patient_display_name=f"{reply.patient_given_name} {reply.patient_family_name}".strip(),
        birth_date=birth, sex=SEX.get(reply.patient_sex, ""),
        legal_representative_ids=frozenset(reply.legal_representative_account_ids),
        caregiver_ids=frozenset(reply.caregiver_account_ids),
        delegate_display_names=dict(reply.delegate_display_names), space_closed=space.state(reply) == space.CLOSED,
        space_missing=space.state(reply) == space.NO_SPACE)


class IdentityAccessContexts(AccessContextSource):
    def __init__(self, channel: grpc.Channel):
        super().__init__(channel, not_found="Profil introuvable")

    def get(self, patient_id: str) -> AccessContext:
        return context_from_pb(patient_id, self.fetch(patient_id))
