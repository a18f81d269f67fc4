"""The automatic embargo lift (DOMAIN §10.3) finds the documents still hidden from the patient by a
partial index: only embargoed documents are in it.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("CREATE INDEX ix_documents_embargoed ON documents (created_at) "
               "WHERE hidden_from_patient AND state = 'available'")


def downgrade() -> None:
    op.drop_index("ix_documents_embargoed", table_name="documents")
