"""Messaging: a conversation a professional hid from the minor's legal representatives (DOMAIN §10.4).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column('conversations', sa.Column('hidden_from_legal_representatives', sa.Boolean(),
                                             server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('conversations', 'hidden_from_legal_representatives')
