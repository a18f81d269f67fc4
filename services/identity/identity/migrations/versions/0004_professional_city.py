"""Identity: the professional's city, and the accent- and case-free keys the directory search uses.

Revision ID: 0004
Revises: 0003
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def _key(text: str) -> str:
    """identity.domain.directory.search_key as of this revision (a migration keeps its own copy)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    folded = folded.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def upgrade() -> None:
    op.add_column('professionals', sa.Column('city', sa.String(length=100), server_default='', nullable=False))
    op.add_column('professionals', sa.Column('family_key', sa.String(length=200), server_default='', nullable=False))
    op.add_column('professionals', sa.Column('given_key', sa.String(length=200), server_default='', nullable=False))
    op.add_column('professionals', sa.Column('city_key', sa.String(length=200), server_default='', nullable=False))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT professional_id, family_name, given_name FROM professionals")).all()
    for professional_id, family_name, given_name in rows:
        connection.execute(sa.text("UPDATE professionals SET family_key = :f, given_key = :g WHERE professional_id = :p"),
                           {"f": _key(family_name), "g": _key(given_name), "p": professional_id})
    op.create_index(op.f('ix_professionals_directory_order'), 'professionals',
                    ['family_key', 'given_key', 'professional_id'], unique=False)
    op.create_index(op.f('ix_professionals_city_key'), 'professionals', ['city_key'], unique=False)
    op.create_index(op.f('ix_professionals_profession_code'), 'professionals', ['profession_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_professionals_profession_code'), table_name='professionals')
    op.drop_index(op.f('ix_professionals_city_key'), table_name='professionals')
    op.drop_index(op.f('ix_professionals_directory_order'), table_name='professionals')
    for column in ('city_key', 'given_key', 'family_key', 'city'):
        op.drop_column('professionals', column)
