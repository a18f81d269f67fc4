"""A patient's document list in the default order (document date, deposit instant, id: the page
token's key) reads its page off an index instead of sorting all the patient's rows.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute('CREATE INDEX ix_documents_patient_by_date ON documents '
               '(patient_id, document_date, created_at, document_id)')


def downgrade() -> None:
    op.drop_index("ix_documents_patient_by_date", table_name="documents")
