"""Exports baseline: the database exists and is versioned; tables come with the service's RPCs.

Revision ID: 0001
"""
revision = "0001"
down_revision = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
