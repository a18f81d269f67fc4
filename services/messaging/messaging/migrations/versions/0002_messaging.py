"""Messaging: conversations and their participants, messages, attachments (bytes in the object store),
per-recipient receipts, read-up-to markers, drafts, the outbox.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=8), server_default='open', nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.String(length=64), server_default='', nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_patient_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_conversations_state')),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversations'))
    )
    op.create_table('outbox',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_id', sa.String(length=64), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_outbox'))
    )
    op.create_table('drafts',
    sa.Column('draft_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.String(length=36), nullable=True),
    sa.Column('recipient_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reply_option', sa.String(length=16), server_default='', nullable=False),
    sa.Column('subject', sa.String(length=200), server_default='', nullable=False),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.Column('request_acknowledgement', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.conversation_id'], name=op.f('fk_drafts_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_drafts'))
    )
    op.create_table('messages',
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('sender_id', sa.String(length=64), nullable=False),
    sa.Column('recipient_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledgement_requested', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('written_by_account_id', sa.String(length=64), server_default='', nullable=False),
    sa.Column('signature', sa.String(length=500), server_default='', nullable=False),
    sa.Column('mssante_message_id', sa.String(length=255), nullable=True),
    sa.Column('client_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.conversation_id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_messages')),
    sa.UniqueConstraint('client_key', name=op.f('uq_messages_client_key')),
    sa.UniqueConstraint('mssante_message_id', name=op.f('uq_messages_mssante_message_id')),
    sa.UniqueConstraint('seq', name=op.f('uq_messages_seq'))
    )
    op.create_table('participants',
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('profession_code', sa.String(length=4), server_default='', nullable=False),
    sa.Column('specialty', sa.String(length=200), server_default='', nullable=False),
    sa.Column('mssante_address', sa.String(length=254), server_default='', nullable=False),
    sa.Column('mailbox_type', sa.String(length=16), server_default='', nullable=False),
    sa.Column('id_nat', sa.String(length=32), server_default='', nullable=False),
    sa.CheckConstraint("type IN ('patient', 'professional', 'organisation')", name=op.f('ck_participants_type')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.conversation_id'], name=op.f('fk_participants_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'participant_id', name=op.f('pk_participants'))
    )
    op.create_table('read_markers',
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('reader_id', sa.String(length=64), nullable=False),
    sa.Column('read_up_to', sa.BigInteger(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.conversation_id'], name=op.f('fk_read_markers_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'reader_id', name=op.f('pk_read_markers'))
    )
    op.create_table('attachments',
    sa.Column('attachment_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=True),
    sa.Column('draft_id', sa.String(length=36), nullable=True),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('object_key', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('source_document_id', sa.String(length=64), server_default='', nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0 AND size_bytes <= 5000000', name=op.f('ck_attachments_size')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.draft_id'], name=op.f('fk_attachments_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.message_id'], name=op.f('fk_attachments_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('object_key', name=op.f('uq_attachments_object_key'))
    )
    op.create_table('receipts',
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('displayed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.message_id'], name=op.f('fk_receipts_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'recipient_id', name=op.f('pk_receipts'))
    )
    op.create_index(op.f('ix_conversations_patient_id'), 'conversations', ['patient_id'], unique=False)
    op.create_index('ix_outbox_pending', 'outbox', ['available_at'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.create_index(op.f('ix_drafts_patient_id'), 'drafts', ['patient_id'], unique=False)
    op.create_index(op.f('ix_messages_conversation_id'), 'messages', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_participants_participant_id'), 'participants', ['participant_id'], unique=False)
    op.create_index(op.f('ix_attachments_draft_id'), 'attachments', ['draft_id'], unique=False)
    op.create_index('ix_attachments_pending', 'attachments', ['created_at'], unique=False,
                    postgresql_where=sa.text('message_id IS NULL AND draft_id IS NULL'))
    op.create_index(op.f('ix_attachments_message_id'), 'attachments', ['message_id'], unique=False)


def downgrade() -> None:
    op.drop_table("receipts")
    op.drop_table("attachments")
    op.drop_table("read_markers")
    op.drop_table("participants")
    op.drop_table("messages")
    op.drop_table("drafts")
    op.drop_table("outbox")
    op.drop_table("conversations")
