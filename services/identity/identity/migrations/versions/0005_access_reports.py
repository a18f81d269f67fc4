"""Identity: patients' reports of suspicious accesses (access_reports).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table('access_reports',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('professional_id', sa.String(length=36), nullable=False),
    sa.Column('rpps', sa.String(length=11), server_default='', nullable=False),
    sa.Column('profession_code', sa.String(length=4), server_default='', nullable=False),
    sa.Column('accessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=False),
    sa.Column('professional_blocked', sa.Boolean(), nullable=False),
    sa.Column('reported_by_type', sa.String(length=16), nullable=False),
    sa.Column('reported_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['accounts.account_id'],
                            name=op.f('fk_access_reports_patient_id_accounts')),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_access_reports')),
    sa.UniqueConstraint('patient_id', 'record_id', name=op.f('uq_access_reports_patient_id'))
    )
    op.create_index(op.f('ix_access_reports_professional_id'), 'access_reports', ['professional_id'], unique=False)
    op.create_index(op.f('ix_access_reports_created_at'), 'access_reports', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_access_reports_created_at'), table_name='access_reports')
    op.drop_index(op.f('ix_access_reports_professional_id'), table_name='access_reports')
    op.drop_table('access_reports')
