"""Notifications' tables (SQLAlchemy Core). Only this service reads or writes them."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from meskit import db
from meskit.db import Timestamp

from notifications.domain.catalog import SECRET_PAYLOAD_KEYS

metadata = db.metadata()

ID = sa.String(64)           # account and event ids come from other services: opaque strings
OPEN = sa.text("state IN ('PENDING', 'RETRYING')")
# Literal keys (constants), so that PostgreSQL matches the partial index on events.
WITH_SECRETS = " OR ".join(f"payload ? '{key}'" for key in SECRET_PAYLOAD_KEYS)

# What identity told us of each person (newest snapshot wins), plus facts of our own (bounces).
recipients = sa.Table(
    "recipients", metadata,
    sa.Column("account_id", ID, primary_key=True),
    sa.Column("given_name", sa.String(100), nullable=False, server_default=""),
    sa.Column("family_name", sa.String(100), nullable=False, server_default=""),
    sa.Column("email", sa.String(254)),
    sa.Column("email_bad", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("email_bad_reason", sa.String(300)),
    sa.Column("email_bad_at", Timestamp),
    sa.Column("postal_address", sa.String(500)),
    sa.Column("activated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("minor", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("adult_on", sa.Date),
    sa.Column("closed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("campaign_opt_out", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("unsubscribe_token", sa.String(64), nullable=False, unique=True),
    sa.Column("as_of", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.now()),
)


def minor_now(r=recipients.c):
    """A minor today: before the 18th birthday when identity sent it, else identity's flag."""
    return sa.case((r.adult_on.is_not(None), r.adult_on > sa.func.current_date()), else_=r.minor)


# Who sees a profile's notices besides its holder: legal representatives (while it is a minor's)
# and caregivers.
profile_viewers = sa.Table(
    "profile_viewers", metadata,
    sa.Column("profile_id", ID, primary_key=True),
    sa.Column("viewer_id", ID, primary_key=True),
    sa.Column("relation", sa.String(24), nullable=False),
    sa.Index("ix_profile_viewers_viewer_id", "viewer_id"),
)

preferences = sa.Table(
    "preferences", metadata,
    sa.Column("account_id", ID, primary_key=True),
    sa.Column("message", sa.Boolean, nullable=False),
    sa.Column("document", sa.Boolean, nullable=False),
    sa.Column("appointment", sa.Boolean, nullable=False),
    sa.Column("synchronized_service", sa.Boolean, nullable=False),
    sa.Column("screening", sa.Boolean, nullable=False),
    sa.Column("quiet_start", sa.String(5)),
    sa.Column("quiet_end", sa.String(5)),
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.now()),
)

push_devices = sa.Table(
    "push_devices", metadata,
    sa.Column("device_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("account_id", ID, nullable=False, index=True),
    sa.Column("endpoint", sa.String(1000), nullable=False),
    sa.Column("p256dh", sa.String(200), nullable=False),
    sa.Column("auth", sa.String(64), nullable=False),
    sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("account_id", "endpoint", name="uq_push_devices_account_id_endpoint"),
)

# The inbox: one row per event id, whatever the number of deliveries.
events = sa.Table(
    "events", metadata,
    sa.Column("event_id", ID, primary_key=True),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("patient_id", ID, nullable=False, index=True),
    sa.Column("producer", sa.String(64), nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False, server_default=sa.false()),
    # about a document hidden from a minor's legal representatives (DOMAIN.md §10.4)
    sa.Column("hidden_from_legal_representatives", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("received_at", Timestamp, nullable=False, server_default=sa.func.now()),
    # The events still holding a secret of the person: few, found without a scan.
    sa.Index("ix_events_with_secrets", "received_at", postgresql_where=sa.text(WITH_SECRETS)),
)

bell_items = sa.Table(
    "bell_items", metadata,
    sa.Column("notification_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("profile_id", ID, nullable=False),
    sa.Column("event_id", ID, nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False, server_default=sa.false()),
    # shown to the profile's holder only, never to her legal representatives or caregivers
    sa.Column("hidden_from_legal_representatives", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("read_at", Timestamp),
    sa.Column("deleted_at", Timestamp),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("event_id", "profile_id", name="uq_bell_items_event_id_profile_id"),
    sa.Index("ix_bell_items_profile_id_seq", "profile_id", "seq"),
    sa.Index("ix_bell_items_unread", "profile_id",
             postgresql_where=sa.text("read_at IS NULL AND deleted_at IS NULL")),
)

campaigns = sa.Table(
    "campaigns", metadata,
    sa.Column("campaign_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("template", sa.String(64), nullable=False),
    sa.Column("audience", sa.String(48), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("rate_per_day", sa.Integer, nullable=False),
    sa.Column("tokens", sa.Float, nullable=False, server_default="0"),     # send budget (token bucket)
    sa.Column("tokens_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("audience_cursor", ID),                                        # keyset cursor of the audience
    sa.Column("audience_complete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("finished_at", Timestamp),
)

letter_batches = sa.Table(
    "letter_batches", metadata,
    sa.Column("batch_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("batch_key", sa.String(64), nullable=False, unique=True),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("letter_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("location", sa.String(500)),
    sa.Column("manifest_location", sa.String(500)),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("written_at", Timestamp),
)

letters = sa.Table(
    "letters", metadata,
    sa.Column("letter_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("batch_id", UUID(as_uuid=False), sa.ForeignKey("letter_batches.batch_id"), nullable=False),
    sa.Column("recipient_id", ID, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("notices", sa.Integer, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("batch_id", "recipient_id", name="uq_letters_batch_id_recipient_id"),
    sa.Index("ix_letters_recipient_id", "recipient_id"),
)

# One row per (notice, channel, device): the unit of work of the senders, claimed with a lease.
deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("delivery_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("notification_id", UUID(as_uuid=False), nullable=False),
    sa.Column("event_id", ID),
    sa.Column("campaign_id", UUID(as_uuid=False), sa.ForeignKey("campaigns.campaign_id")),
    sa.Column("recipient_id", ID, nullable=False),
    sa.Column("profile_id", ID, nullable=False, index=True),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("target", sa.String(64), nullable=False, server_default=""),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("critical", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("lease_until", Timestamp),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("last_error", sa.String(500)),
    sa.Column("message_id", sa.String(200)),
    sa.Column("letter_id", UUID(as_uuid=False), sa.ForeignKey("letters.letter_id")),
    # a professional's address, when the notice goes to someone who is not an account
    sa.Column("address", sa.String(254)),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("notification_id", "channel", "target", name="uq_deliveries_notification_id_channel_target"),
    sa.Index("ix_deliveries_due", "channel", "available_at",
             postgresql_where=sa.text("state IN ('PENDING', 'RETRYING') AND campaign_id IS NULL")),
    sa.Index("ix_deliveries_campaign_due", "campaign_id", "available_at", postgresql_where=OPEN),
    sa.Index("ix_deliveries_campaign_id_state", "campaign_id", "state"),
    sa.Index("ix_deliveries_event_id", "event_id"),
    sa.Index("ix_deliveries_dead", "updated_at", postgresql_where=sa.text("state = 'DEAD'")),
    sa.Index("ix_deliveries_letter_id", "letter_id"),
    sa.Index("ix_deliveries_recipient_id_created_at", "recipient_id", "created_at"),
)
