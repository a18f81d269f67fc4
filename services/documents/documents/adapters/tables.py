"""Documents' tables (SQLAlchemy Core). Only this service reads or writes them. File bytes are
not here: `object_key` names them in the object store (random, never derived from the title)."""
from __future__ import annotations

import sqlalchemy as sa

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()

folders = sa.Table(
    "folders", metadata,
    sa.Column("folder_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

documents = sa.Table(
    "documents", metadata,
    sa.Column("document_id", sa.String(36), nullable=False),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("document_date", sa.Date, nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("class_code", sa.String(4), nullable=False),
    sa.Column("type_code", sa.String(32), nullable=False),
    # author (DOMAIN §2.3 uploadedBy): patient, professional, organisation or device
    sa.Column("author_type", sa.String(16), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("author_display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("author_profession_code", sa.String(4), nullable=False, server_default=""),
    sa.Column("author_organisation_type", sa.String(32), nullable=False, server_default=""),
    sa.Column("delegate_account_id", sa.String(64), nullable=False, server_default=""),
    # the stored bytes
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("object_key", sa.String(64), nullable=False),
    # visibility (TRE_A07)
    sa.Column("masked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("hidden_from_patient", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("hidden_from_patient_until", Timestamp),
    sa.Column("hidden_from_legal_representatives", sa.Boolean, nullable=False, server_default=sa.false()),
    # organisation and state
    sa.Column("state", sa.String(24), nullable=False, server_default="available"),
    sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pinned_at", Timestamp),
    sa.Column("folder_id", sa.String(36), sa.ForeignKey("folders.folder_id", ondelete="SET NULL")),
    # idempotent uploads: (who deposited, client-chosen key)
    sa.Column("upload_key", sa.String(64)),
    sa.Column("upload_id", sa.String(64)),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("deleted_at", Timestamp),
    # partitioned by HASH (patient_id), 16 partitions (migration 0005): every key holds patient_id
    sa.PrimaryKeyConstraint("patient_id", "document_id", name="pk_documents"),
    sa.UniqueConstraint("patient_id", "object_key", name="uq_documents_object_key"),
    sa.UniqueConstraint("patient_id", "upload_key", "upload_id", name="uq_documents_upload"),
    sa.CheckConstraint("state IN ('available', 'deleted_by_author')", name="state"),
    sa.CheckConstraint("size_bytes > 0 AND size_bytes <= 5000000", name="size"),
    # the automatic embargo lift's scan (migration 0003)
    sa.Index("ix_documents_embargoed", "created_at",
             postgresql_where=sa.text("hidden_from_patient AND state = 'available'")),
    postgresql_partition_by="HASH (patient_id)",
)

# a patient's list in the default order (newest first) reads its page off this index (migration 0004)
sa.Index("ix_documents_patient_by_date", documents.c.patient_id, documents.c.document_date, documents.c.created_at,
         documents.c.document_id)

outbox = outbox_table(metadata)
