"""A connected app (DOMAIN §9): it files documents in its holder's space within the purposes she
consented to, and reads none. identity checks its token and its connection (GetAccessContext with
the app) and says what it may exchange; this module checks one deposit against that."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meskit import apps
from meskit.auth import Caller
from meskit.errors import PermissionDenied

from documents.domain.access import Decision
from documents.domain.models import Author

# mes.catalogue.v1 enum values (the domain imports no generated code; a unit test holds them equal)
PERIMETER_DOCUMENTS = 2           # Perimeter.PERIMETER_DOCUMENTS
EXCHANGE_ACTION_WRITE = 2         # ExchangeAction.EXCHANGE_ACTION_WRITE
DEVICE_AUTHOR = "device"          # AuthorType.DEVICE: a device or software, shown as DISPOSITIF

CONSENT_NOT_GIVEN = apps.CONSENT_NOT_GIVEN.lower()      # the rule of a deposit outside the consents (reason upper-cased)
NOT_THE_APPS_HOLDER = "not_the_apps_holder"
NOT_CONSENTED = Decision(False, CONSENT_NOT_GIVEN, "no consented purpose of the app writes this document type")


@dataclass(frozen=True, kw_only=True)
class AppGrant:
    """identity's AccessContext.app_grant: the app, its name, and `grant` itself (the AppGrant
    message, read only by meskit.apps)."""
    app_id: str
    app_name: str
    grant: Any


def require_holder(caller: Caller, patient_id: str) -> None:
    """An app acts only in the space of the holder who paired it (its token's subject)."""
    if patient_id != caller.on_behalf_of:
        raise PermissionDenied("Ce service connecté n'agit que pour le profil qui l'a autorisé",
                               reason=NOT_THE_APPS_HOLDER.upper())


def may_write(grant: AppGrant | None, type_code: str) -> bool:
    return grant is not None and apps.allows(grant.grant, PERIMETER_DOCUMENTS, EXCHANGE_ACTION_WRITE, type_code)


def author(grant: AppGrant | None, caller: Caller) -> Author:
    """The app as the document's author: a device or software, named as the catalogue names it."""
    return Author(type=DEVICE_AUTHOR, id=caller.subject, display_name=grant.app_name if grant else "")
