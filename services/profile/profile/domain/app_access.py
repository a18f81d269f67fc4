"""A connected app acting on the space of the holder who paired it (DOMAIN §9): app tokens only, the
patient being the token's holder; its right comes from identity (the app's connection and consented
purposes), checked per measurement code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from meskit.auth import APP, Caller
from meskit.errors import NotFound, PermissionDenied

from profile.domain.access import AccessContext, require_space

if TYPE_CHECKING:
    from profile.domain.ports import AppGrant, Dependencies

RULE = "app_consent"


@dataclass(frozen=True)
class AppAccess:
    caller: Caller
    context: AccessContext
    grant: AppGrant

    @property
    def patient_id(self) -> str:
        return self.context.patient_id

    @property
    def app_id(self) -> str:
        return self.caller.subject

    @property
    def app_name(self) -> str:
        return self.grant.app_name


def app_access(deps: Dependencies, caller: Caller) -> AppAccess:
    if caller.actor_type != APP or not caller.on_behalf_of:
        raise PermissionDenied("Réservé aux applications connectées", reason="APP_ONLY")
    try:
        context, grant = deps.contexts.for_app(caller.on_behalf_of, caller)
    except NotFound:
        raise NotFound("Profil introuvable", reason="PROFILE_NOT_FOUND") from None
    require_space(context)
    return AppAccess(caller, context, grant)
