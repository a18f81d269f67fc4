"""How the history names an actor that the appending service could not name in full: a connected
app (actor SERVICE_TIERS, DOMAIN §9) shows as "GlycoSuivi (service connecté)", the holder's own app
to her and to anyone acting for her alike. Only what ListActivity and GetRecord show: the record,
its personal data and their commitment stay as stored (the export carries them as they are)."""
from __future__ import annotations

import dataclasses

from audit.domain.models import StoredRecord

SERVICE_TIERS = "SERVICE_TIERS"
CONNECTED_APP = "service connecté"


def actor_label(actor_type: str, display_name: str) -> str:
    if actor_type != SERVICE_TIERS:
        return display_name
    name = display_name.strip()
    return f"{name} ({CONNECTED_APP})" if name else CONNECTED_APP.capitalize()


def labelled(record: StoredRecord) -> StoredRecord:
    """The record with its actor named as the history shows it (an erased record stays blank)."""
    e = record.entry
    if e.actor_type != SERVICE_TIERS or record.erased:
        return record
    personal = dataclasses.replace(e.personal, display_name=actor_label(e.actor_type, e.personal.display_name))
    return dataclasses.replace(record, entry=dataclasses.replace(e, personal=personal))
