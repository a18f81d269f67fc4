"""Identity: accounts, professionals, credentials, throttles, login challenges, refresh tokens, outbox.

Revision ID: 0001
"""
from alembic import op

from identity.adapters import tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    tables.metadata.create_all(op.get_bind())


def downgrade() -> None:
    tables.metadata.drop_all(op.get_bind())
