"""The MSSanté bridge: received mails' X-MSS-* headers on their messages, the outbound mail queue.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column('messages', sa.Column('mss_headers', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_table('mssante_outbound',
    sa.Column('outbound_id', sa.String(length=36), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=8), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=36), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sent', 'dead')", name=op.f('ck_mssante_outbound_state')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.message_id'],
                            name=op.f('fk_mssante_outbound_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outbound_id', name=op.f('pk_mssante_outbound')),
    sa.UniqueConstraint('message_id', 'recipient_id', name=op.f('uq_mssante_outbound_message_id'))
    )
    op.create_index('ix_mssante_outbound_due', 'mssante_outbound', ['available_at'], unique=False,
                    postgresql_where=sa.text("state = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_mssante_outbound_due', table_name='mssante_outbound',
                  postgresql_where=sa.text("state = 'pending'"))
    op.drop_table('mssante_outbound')
    op.drop_column('messages', 'mss_headers')
