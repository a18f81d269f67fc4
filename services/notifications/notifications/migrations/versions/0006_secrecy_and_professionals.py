"""Notifications: notices hidden from a minor's legal representatives (on the event and its bell
item), and deliveries to a professional's address rather than to an account.

Revision ID: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"

HIDDEN = "hidden_from_legal_representatives"


def upgrade() -> None:
    for table in ("events", "bell_items"):
        op.add_column(table, sa.Column(HIDDEN, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("deliveries", sa.Column("address", sa.String(254), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "address")
    for table in ("bell_items", "events"):
        op.drop_column(table, HIDDEN)
