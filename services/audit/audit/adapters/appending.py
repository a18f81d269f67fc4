"""The append path, at the driver level: it is the hot path of the whole platform.

The writer thread keeps one connection (working as `audit_writer`, like every connection of the
engine) and spends two round trips per group of records, whatever its size:
  1. BEGIN, take the log's lock, read the tree size, read the records already stored under the
     group's ids (a pipeline: each statement starts after the previous one, so the reads happen once
     the lock is held, with a fresh snapshot);
  2. insert leaves, personal data and completed subtrees in one statement (JSON in, parsed by
     PostgreSQL), COMMIT (a pipeline again).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import Engine

from audit.adapters.repository import COLUMNS, JOINED, record_of
from audit.adapters.tables import record_personal_data as p, records, tree_nodes
from audit.domain.merkle import Node
from audit.domain.models import PERSONAL_FIELDS, Personal, StoredRecord

# One lock for the whole log (a pg_advisory_xact_lock key): appends take it, in every replica.
APPEND_LOCK = 0x6D65_7361_7564_6974   # "mesaudit"


def _sql_type(column: sa.Column) -> str:
    for kind, name in ((sa.BigInteger, "bigint"), (sa.SmallInteger, "smallint"), (sa.Uuid, "uuid"),
                       (sa.DateTime, "timestamptz"), (sa.String, "text"), (sa.LargeBinary, "text")):
        if isinstance(column.type, kind):
            return name
    raise TypeError(column.type)


def _insert_from(table: sa.Table, source: str, columns: list[str]) -> str:
    """INSERT ... SELECT from a JSON record set; bytea columns travel as hex."""
    values = [f"decode({c}, 'hex')" if isinstance(table.c[c].type, sa.LargeBinary) else c for c in columns]
    return f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"


def _record_set(parameter: str, columns: list[sa.Column]) -> str:
    return (f"json_to_recordset(CAST(%({parameter})s AS json)) AS "
            f"x({', '.join(f'{c.name} {_sql_type(c)}' for c in columns)})")


_PERSONAL_COLUMNS = ["leaf_index", "occurred_at", *PERSONAL_FIELDS, "salt"]
INSERT_ALL = (
    f"WITH new AS MATERIALIZED (SELECT * FROM "
    f"{_record_set('records', [*records.c, *(p.c[n] for n in _PERSONAL_COLUMNS[2:])])}), "
    f"new_leaves AS ({_insert_from(records, 'new', [c.name for c in records.c])}), "
    f"new_nodes AS ({_insert_from(tree_nodes, _record_set('nodes', list(tree_nodes.c)), ['level', 'node_index', 'hash'])}) "
    + _insert_from(p, "new", _PERSONAL_COLUMNS))
BY_IDS = (str(sa.select(*COLUMNS).select_from(JOINED).compile(dialect=psycopg_dialect()))
          + " WHERE records.record_id = ANY(CAST(%(ids)s AS uuid[]))")
LEAVES = "SELECT leaf_index, leaf_hash FROM records WHERE leaf_index = ANY(CAST(%(indexes)s AS bigint[]))"
NODES = ("SELECT level, node_index, hash FROM tree_nodes WHERE (level, node_index) IN "
         "(SELECT * FROM unnest(CAST(%(levels)s AS smallint[]), CAST(%(indexes)s AS bigint[])))")
ERASE = (f"UPDATE record_personal_data SET {', '.join(f'{n} = NULL' for n in PERSONAL_FIELDS)}, salt = NULL, "
         "erased_at = %(erased_at)s, erased_by_leaf = %(erased_by)s "
         "WHERE patient_id = %(patient_id)s AND erased_at IS NULL "
         "AND (CAST(%(before)s AS timestamptz) IS NULL OR occurred_at < %(before)s)")


class AppendTransaction:
    """The repository of one group's transaction (see audit.domain.appends)."""

    def __init__(self, connection):
        self._connection = connection
        self._pending: dict | None = None

    def open_append(self, record_ids: set[str]) -> tuple[int, dict[str, StoredRecord]]:
        connection = self._connection
        with connection.pipeline():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
            size = connection.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM records")
            found = connection.cursor(row_factory=dict_row)
            found.execute(BY_IDS, {"ids": sorted(record_ids)})
        return size.fetchone()[0], {str(row["record_id"]): record_of(row) for row in found.fetchall()}

    def stored_hashes(self, nodes: set[Node]) -> dict[Node, bytes]:
        inner = [(level, index) for level, index in nodes if level]
        connection = self._connection
        with connection.pipeline():
            leaves = connection.execute(LEAVES, {"indexes": [index for level, index in nodes if not level]})
            inners = connection.execute(NODES, {"levels": [n[0] for n in inner], "indexes": [n[1] for n in inner]})
        found = {(0, index): bytes(value) for index, value in leaves.fetchall()}
        found.update({(level, index): bytes(value) for level, index, value in inners.fetchall()})
        return found

    def add(self, new: list[tuple[StoredRecord, Personal, bytes]], nodes: list[tuple[int, int, bytes]]) -> None:
        """Sent with the COMMIT."""
        rows = []
        for stored, details, salt in new:
            e = stored.entry
            row = {"leaf_index": stored.leaf_index, "record_id": e.record_id, "occurred_at": e.occurred_at.isoformat(),
                   "appended_at": stored.appended_at.isoformat(), "actor_type": e.actor_type,
                   "profession_code": e.profession_code, "action": e.action, "activity_group": e.group,
                   "resource_type": e.resource_type, "decision": e.decision, "rule": e.rule,
                   "access_mode": e.access_mode, "service": e.service, "request_id": e.request_id,
                   "matrix_version": e.matrix_version,
                   "personal_commitment": stored.commitment.hex(), "leaf_hash": stored.leaf_hash.hex(),
                   "salt": salt.hex()}
            for name in PERSONAL_FIELDS:
                row[name] = getattr(details, name)
            rows.append(row)
        self._pending = {"records": json.dumps(rows, ensure_ascii=False),
                         "nodes": json.dumps([{"level": level, "node_index": index, "hash": value.hex()}
                                              for level, index, value in nodes])}

    def erase_personal_data(self, patient_id: str, occurred_before: datetime | None, *, erased_at: datetime,
                            erased_by: int) -> int:
        self._flush()
        return self._connection.execute(ERASE, {"patient_id": patient_id, "before": occurred_before,
                                                "erased_at": erased_at, "erased_by": erased_by}).rowcount

    def _flush(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._connection.execute(INSERT_ALL, pending)

    def commit(self) -> None:
        with self._connection.pipeline():
            self._flush()
            self._connection.commit()


class AppendConnection:
    """The writer thread's own connection, kept across groups; replaced when it breaks."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._held = None              # the pool's connection proxy (SET ROLE done on connect)

    @contextmanager
    def transaction(self):
        if self._held is None:
            self._held = self._engine.raw_connection()
        connection = self._held.driver_connection
        try:
            tx = AppendTransaction(connection)
            yield tx
            tx.commit()
        except BaseException:
            if connection.broken or connection.closed:
                self._held.invalidate()
                self._held = None
            else:
                connection.rollback()
            raise

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
