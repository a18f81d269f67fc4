"""The answer: a document as this caller sees it, with what they may do with it next."""
from __future__ import annotations

from datetime import datetime

from documents.domain import permissions
from documents.domain.access import Decision
from documents.domain.actors import Who
from documents.domain.models import Document, Permissions, Shown
from documents.domain.permissions import read_decision


def permissions_for(w: Who, document: Document, read: Decision) -> Permissions:
    settings = w.context.settings

    def may(operation: str) -> bool:
        return permissions.change_decision(w.actor, settings, document, operation, read).allowed
    update = may(permissions.UPDATE_METADATA)    # title, date and category alike
    return Permissions(
        can_download=read.allowed and not document.deleted, can_delete=may(permissions.DELETE),
        can_update_title=update, can_update_date=update, can_update_category=update,
        can_update_visibility=may(permissions.MASK) or may(permissions.UNMASK),
        can_organise=may(permissions.ORGANISE))


def shown(w: Who, document: Document, now: datetime, read: Decision | None = None) -> Shown:
    read = read or read_decision(w, document, now)
    return Shown(document=document, permissions=permissions_for(w, document, read))
