"""Documents' metadata is partitioned by HASH (patient_id) into 16 partitions: a patient's rows live
in one partition, whose indexes stay small however many patients the table holds. Every key of a
partitioned table holds the partition key, so the primary key becomes (patient_id, document_id) and
the object key's and upload id's uniqueness are per patient (an upload id already only dedupes a
patient's deposits). The rows are copied; the indexes are built on the partitioned table.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"

PARTITIONS = 16
# (name, definition) of the indexes built after the copy, on either shape of the table
EMBARGOED = ("ix_documents_embargoed", "(created_at) WHERE hidden_from_patient AND state = 'available'")
BY_DATE = ("ix_documents_patient_by_date", "(patient_id, document_date, created_at, document_id)")
FOLDER_KEY = ("fk_documents_folder_id_folders",
              "FOREIGN KEY (folder_id) REFERENCES folders (folder_id) ON DELETE SET NULL")


def _rebuild(partitioned: bool, keys: list[tuple[str, str]], indexes: list[tuple[str, str]]) -> None:
    """documents as a new table of the other shape, with the same columns, checks and rows."""
    shape = " PARTITION BY HASH (patient_id)" if partitioned else ""
    op.execute(f"CREATE TABLE documents_new (LIKE documents INCLUDING DEFAULTS INCLUDING CONSTRAINTS){shape}")
    for remainder in range(PARTITIONS if partitioned else 0):
        op.execute(f"CREATE TABLE documents_p{remainder:02d} PARTITION OF documents_new "
                   f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})")
    op.execute("INSERT INTO documents_new SELECT * FROM documents")
    op.execute("DROP TABLE documents")
    op.execute("ALTER TABLE documents_new RENAME TO documents")
    for name, definition in [*keys, FOLDER_KEY]:
        op.execute(f"ALTER TABLE documents ADD CONSTRAINT {name} {definition}")
    for name, definition in indexes:
        op.execute(f"CREATE INDEX {name} ON documents {definition}")


def upgrade() -> None:
    _rebuild(True, [("pk_documents", "PRIMARY KEY (patient_id, document_id)"),
                    ("uq_documents_object_key", "UNIQUE (patient_id, object_key)"),
                    ("uq_documents_upload", "UNIQUE (patient_id, upload_key, upload_id)")],
             [EMBARGOED, BY_DATE])


def downgrade() -> None:
    _rebuild(False, [("pk_documents", "PRIMARY KEY (document_id)"),
                     ("uq_documents_object_key", "UNIQUE (object_key)"),
                     ("uq_documents_upload", "UNIQUE (upload_key, upload_id)")],
             [("ix_documents_patient_id", "(patient_id)"), EMBARGOED, BY_DATE])
