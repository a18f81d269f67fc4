"""Restricted resources (embargo, minor's secrecy) that the activity history is redacted with.

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "resource_visibility",
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("resource_id", sa.String(128), primary_key=True),
        sa.Column("hidden_from_patient_until", sa.DateTime(timezone=True)),
        sa.Column("hidden_from_legal_representatives", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    # The one table audit_writer updates whole rows of: a newer restriction replaces the older one.
    op.execute("REVOKE ALL ON resource_visibility FROM PUBLIC")
    op.execute("GRANT SELECT, INSERT, UPDATE ON resource_visibility TO audit_writer")


def downgrade() -> None:
    op.drop_table("resource_visibility")
