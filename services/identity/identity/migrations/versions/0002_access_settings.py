"""Identity: the patient's access settings (emergency consents, mask by default), blocked professionals, care team.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table('access_settings',
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('samu_access', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('break_glass', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('masked_in_emergency', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('mask_new_documents_by_default', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('NOT masked_in_emergency OR samu_access OR break_glass', name=op.f('ck_access_settings_masked_needs_emergency')),
    sa.ForeignKeyConstraint(['patient_id'], ['accounts.account_id'], name=op.f('fk_access_settings_patient_id_accounts')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_access_settings'))
    )
    op.create_table('blocked_professionals',
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('professional_id', sa.String(length=36), nullable=False),
    sa.Column('blocked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('blocked_by_type', sa.String(length=16), nullable=False),
    sa.Column('blocked_by_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['accounts.account_id'], name=op.f('fk_blocked_professionals_patient_id_accounts')),
    sa.ForeignKeyConstraint(['professional_id'], ['professionals.professional_id'], name=op.f('fk_blocked_professionals_professional_id_professionals')),
    sa.PrimaryKeyConstraint('patient_id', 'professional_id', name=op.f('pk_blocked_professionals'))
    )
    op.create_table('care_team_members',
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('professional_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=32), server_default='', nullable=False),
    sa.Column('administrator', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['accounts.account_id'], name=op.f('fk_care_team_members_patient_id_accounts')),
    sa.ForeignKeyConstraint(['professional_id'], ['professionals.professional_id'], name=op.f('fk_care_team_members_professional_id_professionals')),
    sa.PrimaryKeyConstraint('patient_id', 'professional_id', name=op.f('pk_care_team_members'))
    )


def downgrade() -> None:
    op.drop_table('care_team_members')
    op.drop_table('blocked_professionals')
    op.drop_table('access_settings')
