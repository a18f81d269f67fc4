"""Measurements sent by connected apps (FHIR Observations): the app's name, the Observation's
meta.source and identifier, unique per space and app (the idempotent resend).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column('measurements', sa.Column('author_name', sa.String(length=200), server_default='', nullable=False))
    op.add_column('measurements', sa.Column('source', sa.String(length=500), server_default='', nullable=False))
    op.add_column('measurements', sa.Column('identifier_system', sa.String(length=500), server_default='',
                                            nullable=False))
    op.add_column('measurements', sa.Column('identifier_value', sa.String(length=200), server_default='',
                                            nullable=False))
    op.create_index('uq_measurements_app_identifier', 'measurements',
                    ['patient_id', 'author_id', 'identifier_system', 'identifier_value'], unique=True,
                    postgresql_where=sa.text("identifier_value <> ''"))


def downgrade() -> None:
    op.drop_index('uq_measurements_app_identifier', table_name='measurements')
    for column in ("identifier_value", "identifier_system", "source", "author_name"):
        op.drop_column('measurements', column)
