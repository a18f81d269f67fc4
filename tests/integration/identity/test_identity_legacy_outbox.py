"""Migration 0006: the ACCESS_SETTINGS_CHANGED rows that piled up in identity's outbox (nothing relayed
them) become audit records that the relay routes to audit, with their id, time, actor and change."""
from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from identity.wiring import VERSIONS_DIR
from meskit import db
from meskit.audit import AuditRecord
from meskit.relay import AUDIT, ROUTED

PATIENT, GP, PHYSIO = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
LEGACY = {   # as access_settings._changed wrote them before
    "blocked": {"patient_id": PATIENT, "change": "PROFESSIONAL_BLOCKED", "professional_id": PHYSIO,
                "removed_from_care_team": True, "was_administrator": False,
                "actor": {"type": "professional", "id": GP, "on_behalf_of": ""}},
    "mask": {"patient_id": PATIENT, "change": "MASK_NEW_DOCUMENTS_BY_DEFAULT_SET", "mask": True,
             "actor": {"type": "delegate", "id": GP, "on_behalf_of": PATIENT}},
}


def test_legacy_settings_events_become_audit_records_the_relay_routes(new_database):
    url = new_database("identity_legacy_outbox")
    db.migrate(url, VERSIONS_DIR, "0003")
    engine = sa.create_engine(url)
    ids = {name: uuid.uuid4() for name in LEGACY}
    try:
        with engine.begin() as connection:
            for name, payload in LEGACY.items():
                connection.execute(sa.text(
                    "INSERT INTO outbox (event_id, event_type, aggregate_id, payload) "
                    "VALUES (:id, 'ACCESS_SETTINGS_CHANGED', :a, CAST(:p AS jsonb))"),
                    {"id": ids[name], "a": PATIENT, "p": json.dumps(payload)})
        db.migrate(url, VERSIONS_DIR)
        with engine.connect() as connection:
            rows = {r.event_id: r for r in connection.execute(sa.text(
                "SELECT event_id, event_type, aggregate_id, payload, created_at FROM outbox"))}
    finally:
        engine.dispose()
    assert {r.event_type for r in rows.values()} == {"AUDIT_RECORD"} and ROUTED["AUDIT_RECORD"] == AUDIT
    blocked = AuditRecord.from_payload(str(ids["blocked"]), rows[ids["blocked"]].payload)
    assert (blocked.patient_id, blocked.actor_type, blocked.actor_id, blocked.action, blocked.group) == (
        PATIENT, "HEALTHCARE_PROFESSIONAL", GP, "SETTINGS_CHANGE", "GENERAL")
    assert (blocked.resource_type, blocked.resource_id, blocked.rule, blocked.resource_label) == (
        "blocked_professional", PHYSIO, "care_team_administrator", "Blocage de l'accès d'un professionnel à votre dossier")
    assert blocked.occurred_at == rows[ids["blocked"]].created_at
    mask = AuditRecord.from_payload(str(ids["mask"]), rows[ids["mask"]].payload)
    assert (mask.actor_type, mask.actor_id, mask.on_behalf_of, mask.rule, mask.resource_label) == (
        "PATIENT", GP, PATIENT, "holder", "Masquage par défaut des nouveaux documents aux professionnels : activé")
