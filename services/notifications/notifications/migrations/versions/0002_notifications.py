"""Notifications: recipients, preferences, push devices, the event inbox, bell items, deliveries,
campaigns, letters and their print batches.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table('bell_items',
    sa.Column('notification_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('profile_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('critical', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('notification_id', name=op.f('pk_bell_items')),
    sa.UniqueConstraint('event_id', 'profile_id', name='uq_bell_items_event_id_profile_id'),
    sa.UniqueConstraint('seq', name=op.f('uq_bell_items_seq'))
    )
    op.create_index('ix_bell_items_profile_id_seq', 'bell_items', ['profile_id', 'seq'], unique=False)
    op.create_index('ix_bell_items_unread', 'bell_items', ['profile_id'], unique=False, postgresql_where=sa.text('read_at IS NULL AND deleted_at IS NULL'))
    op.create_table('campaigns',
    sa.Column('campaign_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('audience', sa.String(length=48), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('rate_per_day', sa.Integer(), nullable=False),
    sa.Column('tokens', sa.Float(), server_default='0', nullable=False),
    sa.Column('tokens_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('audience_cursor', sa.String(length=64), nullable=True),
    sa.Column('audience_complete', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_campaigns'))
    )
    op.create_table('events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('producer', sa.String(length=64), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('critical', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_events'))
    )
    op.create_table('letter_batches',
    sa.Column('batch_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('batch_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('letter_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('manifest_location', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_letter_batches')),
    sa.UniqueConstraint('batch_key', name=op.f('uq_letter_batches_batch_key'))
    )
    op.create_table('preferences',
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Boolean(), nullable=False),
    sa.Column('document', sa.Boolean(), nullable=False),
    sa.Column('appointment', sa.Boolean(), nullable=False),
    sa.Column('synchronized_service', sa.Boolean(), nullable=False),
    sa.Column('screening', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_preferences'))
    )
    op.create_table('profile_viewers',
    sa.Column('profile_id', sa.String(length=64), nullable=False),
    sa.Column('viewer_id', sa.String(length=64), nullable=False),
    sa.Column('relation', sa.String(length=24), nullable=False),
    sa.PrimaryKeyConstraint('profile_id', 'viewer_id', name=op.f('pk_profile_viewers'))
    )
    op.create_index('ix_profile_viewers_viewer_id', 'profile_viewers', ['viewer_id'], unique=False)
    op.create_table('push_devices',
    sa.Column('device_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_push_devices')),
    sa.UniqueConstraint('account_id', 'endpoint', name='uq_push_devices_account_id_endpoint')
    )
    op.create_index(op.f('ix_push_devices_account_id'), 'push_devices', ['account_id'], unique=False)
    op.create_table('recipients',
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('given_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('family_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_bad', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('email_bad_reason', sa.String(length=300), nullable=True),
    sa.Column('email_bad_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('postal_address', sa.String(length=500), nullable=True),
    sa.Column('activated', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('minor', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('closed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('campaign_opt_out', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('unsubscribe_token', sa.String(length=64), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_recipients')),
    sa.UniqueConstraint('unsubscribe_token', name=op.f('uq_recipients_unsubscribe_token'))
    )
    op.create_table('letters',
    sa.Column('letter_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('batch_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notices', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), server_default='0', nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['letter_batches.batch_id'], name=op.f('fk_letters_batch_id_letter_batches')),
    sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_letters')),
    sa.UniqueConstraint('batch_id', 'recipient_id', name='uq_letters_batch_id_recipient_id')
    )
    op.create_index('ix_letters_recipient_id', 'letters', ['recipient_id'], unique=False)
    op.create_table('deliveries',
    sa.Column('delivery_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('notification_id', sa.UUID(as_uuid=False), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('campaign_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('recipient_id', sa.String(length=64), nullable=False),
    sa.Column('profile_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=64), server_default='', nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('critical', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('letter_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.campaign_id'], name=op.f('fk_deliveries_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.letter_id'], name=op.f('fk_deliveries_letter_id_letters')),
    sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('notification_id', 'channel', 'target', name='uq_deliveries_notification_id_channel_target')
    )
    op.create_index('ix_deliveries_campaign_due', 'deliveries', ['campaign_id', 'available_at'], unique=False, postgresql_where=sa.text("state IN ('PENDING', 'RETRYING')"))
    op.create_index('ix_deliveries_campaign_id_state', 'deliveries', ['campaign_id', 'state'], unique=False)
    op.create_index('ix_deliveries_dead', 'deliveries', ['updated_at'], unique=False, postgresql_where=sa.text("state = 'DEAD'"))
    op.create_index('ix_deliveries_due', 'deliveries', ['channel', 'available_at'], unique=False, postgresql_where=sa.text("state IN ('PENDING', 'RETRYING') AND campaign_id IS NULL"))
    op.create_index('ix_deliveries_event_id', 'deliveries', ['event_id'], unique=False)
    op.create_index('ix_deliveries_letter_id', 'deliveries', ['letter_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_deliveries_letter_id', table_name='deliveries')
    op.drop_index('ix_deliveries_event_id', table_name='deliveries')
    op.drop_index('ix_deliveries_due', table_name='deliveries', postgresql_where=sa.text("state IN ('PENDING', 'RETRYING') AND campaign_id IS NULL"))
    op.drop_index('ix_deliveries_dead', table_name='deliveries', postgresql_where=sa.text("state = 'DEAD'"))
    op.drop_index('ix_deliveries_campaign_id_state', table_name='deliveries')
    op.drop_index('ix_deliveries_campaign_due', table_name='deliveries', postgresql_where=sa.text("state IN ('PENDING', 'RETRYING')"))
    op.drop_table('deliveries')
    op.drop_index('ix_letters_recipient_id', table_name='letters')
    op.drop_table('letters')
    op.drop_table('recipients')
    op.drop_index(op.f('ix_push_devices_account_id'), table_name='push_devices')
    op.drop_table('push_devices')
    op.drop_index('ix_profile_viewers_viewer_id', table_name='profile_viewers')
    op.drop_table('profile_viewers')
    op.drop_table('preferences')
    op.drop_table('letter_batches')
    op.drop_table('events')
    op.drop_table('campaigns')
    op.drop_index('ix_bell_items_unread', table_name='bell_items', postgresql_where=sa.text('read_at IS NULL AND deleted_at IS NULL'))
    op.drop_index('ix_bell_items_profile_id_seq', table_name='bell_items')
    op.drop_table('bell_items')
