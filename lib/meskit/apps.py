"""A connected app's right to one exchange with a space: identity's AccessContext.app_grant (its
consented purposes' exchanges, DOMAIN §9) checked for one perimeter, action and data category."""
from __future__ import annotations

from mes.identity.v1 import identity_pb2 as pb

from meskit.errors import PermissionDenied

CONSENT_NOT_GIVEN = "CONSENT_NOT_GIVEN"


def allows(grant: pb.AppGrant, perimeter: int, action: int, category: str) -> bool:
    return any(exchange.perimeter == perimeter and exchange.action == action and category in exchange.categories
               for exchange in grant.exchanges)


def require_exchange(grant: pb.AppGrant, perimeter: int, action: int, category: str) -> None:
    """PERMISSION_DENIED CONSENT_NOT_GIVEN (the measures API's 403 "Consent not given") unless a
    consented purpose allows it."""
    if not allows(grant, perimeter, action, category):
        raise PermissionDenied("Consent not given", reason=CONSENT_NOT_GIVEN)
