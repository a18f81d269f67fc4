"""Messaging: the pharmacy directory (only organisational MSSanté mailboxes receive), the patients'
pharmacy visits from the insurer's reimbursement feed, and the document an attachment was saved as.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table('pharmacies',
    sa.Column('pharmacy_id', sa.String(length=36), nullable=False),
    sa.Column('id_nat', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), server_default='', nullable=False),
    sa.Column('postal_code', sa.String(length=10), server_default='', nullable=False),
    sa.Column('city', sa.String(length=100), server_default='', nullable=False),
    sa.Column('phone', sa.String(length=32), server_default='', nullable=False),
    sa.Column('mssante_address', sa.String(length=254), server_default='', nullable=False),
    sa.Column('mailbox_type', sa.String(length=16), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pharmacy_id', name=op.f('pk_pharmacies')),
    sa.UniqueConstraint('id_nat', name=op.f('uq_pharmacies_id_nat'))
    )
    op.create_index('ix_pharmacies_place', 'pharmacies', ['postal_code', 'city'], unique=False)
    op.create_table('pharmacy_visits',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('id_nat', sa.String(length=32), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('patient_id', 'id_nat', 'visit_date', name=op.f('pk_pharmacy_visits'))
    )
    op.add_column('attachments', sa.Column('saved_document_id', sa.String(length=64), server_default='',
                                           nullable=False))


def downgrade() -> None:
    op.drop_column('attachments', 'saved_document_id')
    op.drop_table('pharmacy_visits')
    op.drop_index('ix_pharmacies_place', table_name='pharmacies')
    op.drop_table('pharmacies')
