"""Identity: how each care-team member joined (added by the patient, or declared by the professional);
the ACCESS_SETTINGS_CHANGED rows of the outbox become audit records.

Those rows were never relayed (nothing routed their type); identity's relay now routes AUDIT_RECORD
rows to audit, so each becomes the audit record of its change (same id, its time, who acted, what
changed) and reaches the patient's history: none is lost, none waits forever.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"

ACTOR_TYPES = {"patient": "PATIENT", "delegate": "PATIENT", "professional": "HEALTHCARE_PROFESSIONAL"}
# change -> (resource_type, resource label for the patient's history)
CHANGES = {
    "EMERGENCY_SETTINGS_UPDATED": ("access_settings", "Accès en urgence modifiés"),
    "MASK_NEW_DOCUMENTS_BY_DEFAULT_SET": ("access_settings", "Masquage par défaut des nouveaux documents aux professionnels : {mask}"),
    "PROFESSIONAL_BLOCKED": ("blocked_professional", "Blocage de l'accès d'un professionnel à votre dossier"),
    "PROFESSIONAL_UNBLOCKED": ("blocked_professional", "Déblocage d'un professionnel"),
    "CARE_TEAM_MEMBER_ADDED": ("care_team", "Ajout d'un professionnel dans votre équipe de soins"),
    "CARE_TEAM_MEMBER_UPDATED": ("care_team", "Modification du rôle d'un professionnel dans votre équipe de soins"),
    "CARE_TEAM_MEMBER_REMOVED": ("care_team", "Retrait d'un professionnel de votre équipe de soins"),
}

outbox = sa.table("outbox", sa.column("event_id"), sa.column("event_type", sa.String), sa.column("aggregate_id"),
                  sa.column("payload", JSONB), sa.column("created_at"), sa.column("published_at"))


def audit_payload(payload: dict, created_at) -> dict:
    change = payload.get("change", "")
    resource_type, label = CHANGES.get(change, ("access_settings", "Modification de vos paramètres d'accès"))
    actor = payload.get("actor") or {}
    resource_id = payload.get("professional_id") or {"EMERGENCY_SETTINGS_UPDATED": "emergency",
                                                     "MASK_NEW_DOCUMENTS_BY_DEFAULT_SET": "mask_new_documents_by_default"
                                                     }.get(change, "")
    by_professional = actor.get("type") == "professional"
    return {"occurred_at": created_at.isoformat(), "actor_type": ACTOR_TYPES.get(actor.get("type", ""), "SYSTEM"),
            "actor_id": actor.get("id", ""), "profession_code": "", "rpps": "",
            "on_behalf_of": actor.get("on_behalf_of") or "", "display_name": "", "action": "SETTINGS_CHANGE",
            "group": "GENERAL", "patient_id": payload.get("patient_id", ""), "resource_type": resource_type,
            "resource_id": resource_id,
            "resource_label": label.format(mask="activé" if payload.get("mask") else "désactivé"),
            "allowed": True, "rule": "care_team_administrator" if by_professional else "holder",
            "access_mode": "normal", "justification": "", "request_id": ""}


def upgrade() -> None:
    op.add_column('care_team_members', sa.Column('source', sa.String(length=32),
                                                 server_default='ADDED_BY_PATIENT', nullable=False))
    connection = op.get_bind()
    rows = connection.execute(sa.select(outbox.c.event_id, outbox.c.payload, outbox.c.created_at).where(
        outbox.c.event_type == "ACCESS_SETTINGS_CHANGED", outbox.c.published_at.is_(None))).all()
    for row in rows:
        connection.execute(outbox.update().where(outbox.c.event_id == row.event_id).values(
            event_type="AUDIT_RECORD", payload=audit_payload(row.payload, row.created_at)))


def downgrade() -> None:
    op.drop_column('care_team_members', 'source')
