"""Messaging: a person's attachments found without a scan (her export and her space's erasure).

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_index("ix_attachments_patient_id", "attachments", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_patient_id", table_name="attachments")
