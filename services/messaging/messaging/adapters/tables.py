"""Messaging's tables (SQLAlchemy Core). Only this service reads or writes them. Attachment bytes
are not here: `object_key` names them in the object store (random, never derived from the name)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()

conversations = sa.Table(
    "conversations", metadata,
    sa.Column("conversation_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("state", sa.String(8), nullable=False, server_default="open"),
    sa.Column("started_by", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_message_at", Timestamp, nullable=False),
    sa.Column("closed_by", sa.String(64), nullable=False, server_default=""),
    sa.Column("closed_at", Timestamp),
    # the patient deleted it from her side: gone for her (and her delegates), kept for the professionals
    sa.Column("deleted_by_patient_at", Timestamp),
    # a professional hid it from the minor's legal representatives (DOMAIN §10.4)
    sa.Column("hidden_from_legal_representatives", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.CheckConstraint("state IN ('open', 'closed')", name="state"),
)

participants = sa.Table(
    "participants", metadata,
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("participant_id", sa.String(64), primary_key=True, index=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("profession_code", sa.String(4), nullable=False, server_default=""),
    sa.Column("specialty", sa.String(200), nullable=False, server_default=""),
    sa.Column("mssante_address", sa.String(254), nullable=False, server_default=""),
    sa.Column("mailbox_type", sa.String(16), nullable=False, server_default=""),
    sa.Column("id_nat", sa.String(32), nullable=False, server_default=""),
    sa.CheckConstraint("type IN ('patient', 'professional', 'organisation')", name="type"),
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("message_id", sa.String(36), primary_key=True),
    # the order of a conversation's messages, its read-up-to markers and its pages
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("sender_id", sa.String(64), nullable=False),
    sa.Column("recipient_ids", JSONB, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("sent_at", Timestamp, nullable=False),
    sa.Column("acknowledgement_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    # a delegate writing for the patient: her account and the signature line
    sa.Column("written_by_account_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("signature", sa.String(500), nullable=False, server_default=""),
    sa.Column("mssante_message_id", sa.String(255), unique=True),
    # idempotent sends: (who wrote, client-chosen key)
    sa.Column("client_key", sa.String(200), unique=True),
    # a mail received through the MSSanté bridge: its X-MSS-* headers
    sa.Column("mss_headers", JSONB),
)

attachments = sa.Table(
    "attachments", metadata,
    sa.Column("attachment_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    # on a message, or on a draft until it is sent
    sa.Column("message_id", sa.String(36), sa.ForeignKey("messages.message_id", ondelete="CASCADE"), index=True),
    sa.Column("draft_id", sa.String(36), sa.ForeignKey("drafts.draft_id", ondelete="CASCADE"), index=True),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("object_key", sa.String(64), nullable=False, unique=True),
    sa.Column("source", sa.String(24), nullable=False),
    sa.Column("source_document_id", sa.String(64), nullable=False, server_default=""),
    # UploadAttachment: who uploaded it (only they attach it); on neither a message nor a draft until then
    sa.Column("uploaded_by", sa.String(64), nullable=False, server_default=""),
    sa.Column("created_at", Timestamp, nullable=False),
    # "Enregistrer dans mes documents de santé": the document it was filed as
    sa.Column("saved_document_id", sa.String(64), nullable=False, server_default=""),
    sa.CheckConstraint("size_bytes > 0 AND size_bytes <= 5000000", name="size"),
    sa.Index("ix_attachments_pending", "created_at",
             postgresql_where=sa.text("message_id IS NULL AND draft_id IS NULL")),
)

receipts = sa.Table(
    "receipts", metadata,
    sa.Column("message_id", sa.String(36), sa.ForeignKey("messages.message_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("recipient_id", sa.String(64), primary_key=True),
    sa.Column("delivered_at", Timestamp),
    sa.Column("displayed_at", Timestamp),
)

read_markers = sa.Table(
    "read_markers", metadata,
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE"),
              primary_key=True),
    # the patient (for her and her delegates, on every device) or a professional
    sa.Column("reader_id", sa.String(64), primary_key=True),
    sa.Column("read_up_to", sa.BigInteger, nullable=False),
    sa.Column("read_at", Timestamp, nullable=False),
)

drafts = sa.Table(
    "drafts", metadata,
    sa.Column("draft_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.conversation_id", ondelete="CASCADE")),
    sa.Column("recipient_ids", JSONB, nullable=False),
    sa.Column("reply_option", sa.String(16), nullable=False, server_default=""),
    sa.Column("subject", sa.String(200), nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False, server_default=""),
    sa.Column("request_acknowledgement", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

outbox = outbox_table(metadata)

# The pharmacy directory, loaded by operators; only an organisational MSSanté mailbox receives.
pharmacies = sa.Table(
    "pharmacies", metadata,
    sa.Column("pharmacy_id", sa.String(36), primary_key=True),
    sa.Column("id_nat", sa.String(32), nullable=False, unique=True),    # FINESS or another national id
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("address", sa.String(300), nullable=False, server_default=""),
    sa.Column("postal_code", sa.String(10), nullable=False, server_default=""),
    sa.Column("city", sa.String(100), nullable=False, server_default=""),
    sa.Column("phone", sa.String(32), nullable=False, server_default=""),
    sa.Column("mssante_address", sa.String(254), nullable=False, server_default=""),
    sa.Column("mailbox_type", sa.String(16), nullable=False, server_default=""),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("ix_pharmacies_place", "postal_code", "city"),
)

# Reimbursed dispensations from the insurer's feed, keyed by the pharmacy's national id (the feed may
# name a pharmacy before the directory knows it).
pharmacy_visits = sa.Table(
    "pharmacy_visits", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("id_nat", sa.String(32), primary_key=True),
    sa.Column("visit_date", sa.Date, primary_key=True),
)

# The MSSanté bridge's outbound mail: what the patient's side wrote to a correspondent with an
# MSSanté address, queued in the message's transaction; the sender claims due rows under a lease
# (FOR UPDATE SKIP LOCKED), retries with backoff, and leaves a dead letter after the last attempt.
mssante_outbound = sa.Table(
    "mssante_outbound", metadata,
    sa.Column("outbound_id", sa.String(36), primary_key=True),
    sa.Column("message_id", sa.String(36), sa.ForeignKey("messages.message_id", ondelete="CASCADE"), nullable=False),
    sa.Column("recipient_id", sa.String(64), nullable=False),
    sa.Column("state", sa.String(8), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available_at", Timestamp, nullable=False),
    sa.Column("claimed_by", sa.String(36)),
    sa.Column("lease_until", Timestamp),
    # the relay's answer (an SMTP code and its text) or the error's type, never the mail
    sa.Column("last_error", sa.String(500)),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("sent_at", Timestamp),
    sa.UniqueConstraint("message_id", "recipient_id"),
    sa.CheckConstraint("state IN ('pending', 'sent', 'dead')", name="state"),
    sa.Index("ix_mssante_outbound_due", "available_at", postgresql_where=sa.text("state = 'pending'")),
)
