"""Identity: a holder's pending change of email (email_changes).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table('email_changes',
    sa.Column('change_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('consumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'],
                            name=op.f('fk_email_changes_account_id_accounts')),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_email_changes'))
    )
    op.create_index(op.f('ix_email_changes_account_id'), 'email_changes', ['account_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_email_changes_account_id'), table_name='email_changes')
    op.drop_table('email_changes')
