"""Audit of the profile. A delegate's or professional's read is appended before the data leaves (fail
closed); their changes go through the outbox with the change. The holder's own acts are not recorded.
Records name the section or entry, never its content."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from meskit import audit
from meskit.audit import CREATE, DELETE, READ, UPDATE, AuditRecord

from profile.domain.access import Who
from profile.domain.app_access import RULE as APP_RULE
from profile.domain.app_access import AppAccess

if TYPE_CHECKING:
    from profile.domain.ports import Dependencies

__all__ = ["CREATE", "DELETE", "READ", "UPDATE", "app_change", "app_read", "change", "read"]
PROFILE, ENTRY, MEASUREMENT, SYNTHESIS = "medical_profile", "medical_profile_entry", "measurement", "profile_synthesis"
LABELS = {PROFILE: "Profil médical", ENTRY: "Entrée du profil médical", MEASUREMENT: "Mesure du profil médical",
          SYNTHESIS: "Synthèse du profil médical"}


def _record(w: Who, action: str, resource_type: str, resource_id: str, label: str, now: datetime) -> AuditRecord:
    return audit.record(w.caller, group=audit.GENERAL, resource_type=resource_type, action=action,
                        patient_id=w.patient_id, allowed=True, rule=w.rule, now=now, resource_id=resource_id,
                        resource_label=f"{LABELS[resource_type]}{' : ' + label if label else ''}",
                        display_name=w.display_name)


def change(w: Who, repo, *, action: str, resource_type: str, resource_id: str = "", label: str = "",
           now: datetime) -> None:
    """Inside the change's transaction: the record reaches audit through the outbox."""
    if not w.is_holder:
        repo.add_audit(_record(w, action, resource_type, resource_id, label, now))


def read(deps: Dependencies, w: Who, *, resource_type: str, resource_id: str = "", label: str = "") -> None:
    """Before the answer leaves: UNAVAILABLE when audit cannot record it."""
    if not w.is_holder:
        deps.audit.append(_record(w, READ, resource_type, resource_id, label, deps.now()))


def _app_record(access: AppAccess, action: str, resource_type: str, label: str, now: datetime) -> AuditRecord:
    """A connected app's access: actor SERVICE_TIERS, shown with the app's name."""
    return audit.record(access.caller, group=audit.SERVICE_TIERS, resource_type=resource_type, action=action,
                        patient_id=access.patient_id, allowed=True, rule=APP_RULE, now=now,
                        resource_label=f"{LABELS[resource_type]}{' : ' + label if label else ''}",
                        display_name=access.app_name)


def app_change(access: AppAccess, repo, *, action: str, resource_type: str, label: str, now: datetime) -> None:
    repo.add_audit(_app_record(access, action, resource_type, label, now))


def app_read(deps: Dependencies, access: AppAccess, *, resource_type: str, label: str) -> None:
    deps.audit.append(_app_record(access, READ, resource_type, label, deps.now()))
