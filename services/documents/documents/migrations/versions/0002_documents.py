"""Documents: metadata of the stored files, folders, the outbox.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "folders",
        sa.Column("folder_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("folder_id", name=op.f("pk_folders")),
    )
    op.create_index(op.f("ix_folders_patient_id"), "folders", ["patient_id"], unique=False)
    op.create_table(
        "documents",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("class_code", sa.String(length=4), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("author_type", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_display_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("author_profession_code", sa.String(length=4), server_default="", nullable=False),
        sa.Column("author_organisation_type", sa.String(length=32), server_default="", nullable=False),
        sa.Column("delegate_account_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("object_key", sa.String(length=64), nullable=False),
        sa.Column("masked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("hidden_from_patient", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("hidden_from_patient_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_from_legal_representatives", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("state", sa.String(length=24), server_default="available", nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("folder_id", sa.String(length=36), nullable=True),
        sa.Column("upload_key", sa.String(length=64), nullable=True),
        sa.Column("upload_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("size_bytes > 0 AND size_bytes <= 5000000", name=op.f("ck_documents_size")),
        sa.CheckConstraint("state IN ('available', 'deleted_by_author')", name=op.f("ck_documents_state")),
        sa.ForeignKeyConstraint(["folder_id"], ["folders.folder_id"], name=op.f("fk_documents_folder_id_folders"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_documents")),
        sa.UniqueConstraint("object_key", name=op.f("uq_documents_object_key")),
        sa.UniqueConstraint("upload_key", "upload_id", name="uq_documents_upload"),
    )
    op.create_index(op.f("ix_documents_patient_id"), "documents", ["patient_id"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["available_at"], unique=False,
                    postgresql_where=sa.text("published_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox", postgresql_where=sa.text("published_at IS NULL"))
    op.drop_table("outbox")
    op.drop_index(op.f("ix_documents_patient_id"), table_name="documents")
    op.drop_table("documents")
    op.drop_index(op.f("ix_folders_patient_id"), table_name="folders")
    op.drop_table("folders")
