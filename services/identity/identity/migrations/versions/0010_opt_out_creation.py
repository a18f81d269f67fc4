"""Identity: the opt-out creation (DOMAIN.md §4.1). A PENDING account announced by the insurer's feed
is created for good at `creation_due_at` (6 weeks after its notice) unless she opposed or activated
first; the partial index holds only the pending ones, soonest first: the job reads its head. An
opposition keeps its proof (PDF) to give it again.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("accounts", sa.Column("creation_due_at", TS))
    op.create_index("ix_accounts_creation_due", "accounts", ["creation_due_at"],
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_table(
        "oppositions",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("operator_id", sa.String(64)),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("reference", sa.String(36), nullable=False),
        sa.Column("proof_pdf", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oppositions")
    op.drop_index("ix_accounts_creation_due", table_name="accounts")
    op.drop_column("accounts", "creation_due_at")
