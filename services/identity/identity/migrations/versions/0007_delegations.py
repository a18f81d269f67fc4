"""Identity: delegations (legal representatives of minors, caregivers). Each minor's existing
legal_representative_account_id becomes an ACCEPTED LEGAL_REPRESENTATION delegation, so both
representatives of a child are delegations of the same kind.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("delegation_id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("delegator_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, index=True),
        sa.Column("delegate_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("invited_by_id", sa.String(36)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("answered_at", TS),
        sa.Column("ends_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("ended_by_id", sa.String(36)),
    )
    # md5-shaped uuid from the account id: stable, no extension needed
    op.execute("""
        INSERT INTO delegations (delegation_id, type, delegator_id, delegate_id, state, created_at, answered_at)
        SELECT CAST(md5('legal-representative:' || account_id) AS uuid)::text, 'LEGAL_REPRESENTATION', account_id,
               legal_representative_account_id, 'ACCEPTED', created_at, created_at
        FROM accounts WHERE legal_representative_account_id IS NOT NULL
    """)


def downgrade() -> None:
    op.drop_table("delegations")
