"""identity's GetAccessContext (service token), in exports' terms."""
from __future__ import annotations

import grpc
from mes.identity.v1 import identity_pb2 as pb

from meskit.access_context import AccessContextSource

from exports.domain.models import Space

ABSENT = frozenset({pb.ACCOUNT_STATUS_PENDING, pb.ACCOUNT_STATUS_OPPOSED, pb.ACCOUNT_STATUS_DELETED})
CLOSED = frozenset({pb.ACCOUNT_STATUS_CLOSED, pb.ACCOUNT_STATUS_SUSPENDED})


class IdentitySpaces(AccessContextSource):
    def __init__(self, channel: grpc.Channel):
        super().__init__(channel, not_found="Profil introuvable")

    def get(self, patient_id: str) -> Space:
        reply = self.fetch(patient_id)
        return Space(patient_id=patient_id, closed=reply.patient_space_closed or reply.patient_status in CLOSED,
                     absent=reply.patient_status in ABSENT)
