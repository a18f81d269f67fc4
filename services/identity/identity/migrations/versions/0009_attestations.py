"""Identity: caregiving attestations (PDF "justificatif", DOMAIN §3.4), an outbox the documents
service drains (ListPendingAttestations / AcknowledgeAttestations). The partial index holds only
the rows not acknowledged yet, oldest first: the listing reads its head.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attestations",
        sa.Column("attestation_id", sa.String(36), primary_key=True),
        sa.Column("delegation_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("acknowledged_at", TS),
    )
    op.create_index("ix_attestations_pending", "attestations", ["occurred_at", "attestation_id"],
                    postgresql_where=sa.text("acknowledged_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_attestations_pending", table_name="attestations")
    op.drop_table("attestations")
