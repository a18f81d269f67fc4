"""Where a patient's space is (identity's AccessContext.patient_status, DOMAIN §4): only CREATED and
ACTIVE spaces exist and are read; a pending, opposed or deleted one does not exist (NO_SPACE); a
closed or suspended one is archived (PROFILE_CLOSED)."""
from __future__ import annotations

from mes.identity.v1 import identity_pb2 as pb

from meskit.errors import FailedPrecondition

OPEN, NO_SPACE, CLOSED = "open", "no_space", "closed"
_NO_SPACE = frozenset({pb.ACCOUNT_STATUS_PENDING, pb.ACCOUNT_STATUS_OPPOSED, pb.ACCOUNT_STATUS_DELETED})
_CLOSED = frozenset({pb.ACCOUNT_STATUS_CLOSED, pb.ACCOUNT_STATUS_SUSPENDED})
NO_SPACE_MESSAGE = "Ce patient n'a pas de profil Mon espace santé"


def state(reply: pb.AccessContext) -> str:
    """OPEN, NO_SPACE or CLOSED; an identity that does not fill patient_status yet says closed by its flag."""
    if reply.patient_status in _NO_SPACE:
        return NO_SPACE
    if reply.patient_status in _CLOSED or reply.patient_space_closed:
        return CLOSED
    return OPEN


def no_space() -> FailedPrecondition:
    """The refusal of a space that does not exist (pending, opposed, deleted)."""
    return FailedPrecondition(NO_SPACE_MESSAGE, reason="NO_SPACE")
