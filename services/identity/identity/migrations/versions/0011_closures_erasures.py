"""Identity: a space's closure and deletion (DOMAIN §4.4). `closures` holds the closure in force of
each closed space (when, and the deletion date when deletion was asked); `erasures` the deletions
under way or done (one per space: what remains of a deleted space is its NIR, its status and this
row); `erasure_reports` what each service reported it erased; `suspensions` the operators'
suspensions (the space closes by itself at closes_on unless its holder objected).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "closures",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id", name="fk_closures_account_id_accounts"),
                  primary_key=True),
        sa.Column("closed_at", TS, nullable=False),
        sa.Column("erase_on", TS),
    )
    op.create_index("ix_closures_erase_on", "closures", ["erase_on"],
                    postgresql_where=sa.text("erase_on IS NOT NULL"))
    op.create_index("ix_closures_closed_at", "closures", ["closed_at"])
    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id", name="fk_erasures_account_id_accounts"),
                  nullable=False),
        sa.UniqueConstraint("account_id", name="uq_erasures_account_id"),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("completed_at", TS),
    )
    op.create_index("ix_erasures_open", "erasures", ["started_at", "erasure_id"],
                    postgresql_where=sa.text("completed_at IS NULL"))
    op.create_table(
        "erasure_reports",
        sa.Column("erasure_id", sa.String(36), sa.ForeignKey("erasures.erasure_id",
                                                             name="fk_erasure_reports_erasure_id_erasures"),
                  primary_key=True),
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("erased", sa.JSON, nullable=False),
    )
    op.create_table(
        "suspensions",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id",
                                                             name="fk_suspensions_account_id_accounts"),
                  primary_key=True),
        sa.Column("previous_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("suspended_at", TS, nullable=False),
        sa.Column("closes_on", TS, nullable=False),
        sa.Column("objected_at", TS),
    )


def downgrade() -> None:
    op.drop_table("suspensions")
    op.drop_table("erasure_reports")
    op.drop_index("ix_erasures_open", table_name="erasures")
    op.drop_table("erasures")
    op.drop_index("ix_closures_closed_at", table_name="closures")
    op.drop_index("ix_closures_erase_on", table_name="closures")
    op.drop_table("closures")
