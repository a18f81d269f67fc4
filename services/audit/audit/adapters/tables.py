"""Audit's tables (SQLAlchemy Core). Only this service reads or writes them.

The service works as the database role `audit_writer` (see migrations 0002): SELECT and INSERT on
everything, UPDATE only on the erasable columns of `record_personal_data` and on `log_keys.not_after`,
never DELETE or TRUNCATE; triggers refuse any change to the append-only tables, whoever asks.
"""
from __future__ import annotations

import sqlalchemy as sa

from meskit import db
from meskit.db import Timestamp

metadata = db.metadata()

WRITER_ROLE = "audit_writer"

# The leaves, in log order: only non-personal fields, and the commitment to the personal ones.
records = sa.Table(
    "records", metadata,
    sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False, index=True),    # unique: record_ids
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("appended_at", Timestamp, nullable=False),
    sa.Column("actor_type", sa.String(32), nullable=False),
    sa.Column("profession_code", sa.String(16), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("activity_group", sa.String(32), nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("rule", sa.String(128), nullable=False),
    sa.Column("access_mode", sa.String(32), nullable=False),
    sa.Column("service", sa.String(64), nullable=False),
    sa.Column("request_id", sa.String(128), nullable=False),
    sa.Column("matrix_version", sa.String(64), nullable=False, server_default=""),
    sa.Column("personal_commitment", sa.LargeBinary, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
)

# The record ids, unique across the log (a partitioned table's unique keys hold its partition key).
record_ids = sa.Table(
    "record_ids", metadata,
    sa.Column("record_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("leaf_index", sa.BigInteger, nullable=False),
)

# The ranges of leaf indexes records and record_personal_data are partitioned in (migration 0005).
log_partitions = sa.Table(
    "log_partitions", metadata,
    sa.Column("first_leaf", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("end_leaf", sa.BigInteger, nullable=False),
)

# Personal data beside each leaf; erasure clears them and the salt (an UPDATE, the row stays).
record_personal_data = sa.Table(
    "record_personal_data", metadata,
    sa.Column("leaf_index", sa.BigInteger, sa.ForeignKey("records.leaf_index"), primary_key=True,
              autoincrement=False),
    sa.Column("occurred_at", Timestamp, nullable=False),        # a copy of the leaf's, for the indexes below
    sa.Column("patient_id", sa.String(64)),
    sa.Column("actor_id", sa.String(64)),
    sa.Column("rpps", sa.String(20)),
    sa.Column("on_behalf_of", sa.String(64)),
    sa.Column("display_name", sa.String(200)),
    sa.Column("resource_id", sa.String(128)),
    sa.Column("resource_label", sa.String(500)),
    sa.Column("justification", sa.String(2000)),
    sa.Column("salt", sa.LargeBinary),
    sa.Column("erased_at", Timestamp),
    sa.Column("erased_by_leaf", sa.BigInteger),                # the leaf of the ERASE record
    sa.Index("ix_record_personal_data_patient", "patient_id", "occurred_at", "leaf_index"),
    sa.Index("ix_record_personal_data_actor", "actor_id", "occurred_at", "leaf_index"),
    sa.Index("ix_record_personal_data_time", "occurred_at", "leaf_index"),
)
ERASABLE = ("patient_id", "actor_id", "rpps", "on_behalf_of", "display_name", "resource_id",
            "resource_label", "justification", "salt", "erased_at", "erased_by_leaf")

# Perfect subtree hashes at levels that are multiples of 4 (the leaves are level 0, in records).
tree_nodes = sa.Table(
    "tree_nodes", metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("node_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary, nullable=False),
)

tree_heads = sa.Table(
    "tree_heads", metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timestamp_ms", sa.BigInteger, nullable=False),
    sa.Column("root_hash", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("algorithm", sa.String(16), nullable=False),
)

log_keys = sa.Table(
    "log_keys", metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("algorithm", sa.String(16), nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("not_before", Timestamp, nullable=False),
    sa.Column("not_after", Timestamp),
)

# Which resources are restricted in the patient's history (DOMAIN §10.3, §10.4): one row per resource,
# the newest `as_of` wins. Not part of the log: a fact the history is shown with, never hashed.
resource_visibility = sa.Table(
    "resource_visibility", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("resource_type", sa.String(64), primary_key=True),
    sa.Column("resource_id", sa.String(128), primary_key=True),
    sa.Column("hidden_from_patient_until", Timestamp),
    sa.Column("hidden_from_legal_representatives", sa.Boolean, nullable=False),
    sa.Column("as_of", Timestamp, nullable=False),
)
