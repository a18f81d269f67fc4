"""The append path, at the driver level: it is the hot path of the whole platform.

The writing thread keeps one connection (working as `audit_writer`, like every connection of the
engine; in autocommit mode, the transactions being spelt out). When this process wrote the last leaves
itself, a group of records costs one message and one round trip, whatever its size: BEGIN, take the
log's lock, insert leaves, personal data and completed subtrees in one statement (the canonical JSON
the leaves were hashed from, parsed by PostgreSQL), COMMIT, as one simple query whose parameters
psycopg binds client-side (each statement starts after the previous one, so the insert runs once the
lock is held, with a fresh snapshot; an error skips the rest). The unique keys (leaf index, record
id, subtree) refuse the insert if another replica appended meanwhile or an id is stored already;
then, and after a restart, two round trips, pipelined:
  1. BEGIN, take the lock, read the tree size, read the records already stored under the group's ids;
  2. the insert and COMMIT.
The restrictions the group's records carry (audit.domain.visibility) go in the same transaction, after
the records, in one more statement of the same message: the newest `as_of` wins, as SetResourceVisibility.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from psycopg import ClientCursor
from psycopg.errors import UniqueViolation
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import Engine

from audit.adapters.repository import COLUMNS, JOINED, record_of
from audit.adapters.tables import record_personal_data as p, records, tree_nodes
from audit.domain.appends import Prepared
from audit.domain.merkle import Node
from audit.domain.models import PERSONAL_FIELDS, Restriction, StoredRecord

# One lock for the whole log (a pg_advisory_xact_lock key): appends take it, in every replica.
APPEND_LOCK = 0x6D65_7361_7564_6974   # "mesaudit"
LOCK = f"SELECT pg_advisory_xact_lock({APPEND_LOCK})"


# The leaf's fields as its canonical JSON names them (audit.domain.leaf), and the columns they fill.
_LEAF_FIELDS = {"record_id": "uuid", "occurred_at": "timestamptz", "appended_at": "timestamptz", "actor_type": "text",
                "profession_code": "text", "action": "text", "group": "text", "resource_type": "text",
                "decision": "text", "rule": "text", "access_mode": "text", "service": "text", "request_id": "text",
                "personal": "text", "matrix_version": "text"}
_LEAF_COLUMNS = {**{c.name: c.name for c in records.c}, "activity_group": '"group"',
                 "matrix_version": "coalesce(matrix_version, '')", "personal_commitment": "decode(personal, 'hex')"}
_PERSONAL_COLUMNS = {name: name for name in ("leaf_index", "occurred_at", *PERSONAL_FIELDS, "salt")}


def _fields(fields: dict[str, str]) -> str:
    return ", ".join(f'"{name}" {kind}' for name, kind in fields.items())


def _insert(table: str, columns: dict[str, str], source: str) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns.values())} FROM {source}"


# One statement: the group's records, each {"i": leaf index, "h": leaf hash, "s": salt, "l": leaf input,
# "p": personal input} (bytes in hex), into leaves and personal data, and the subtrees they complete.
INSERT_ALL = (
    "WITH new AS MATERIALIZED (SELECT (r->>'i')::bigint AS leaf_index, decode(r->>'h', 'hex') AS leaf_hash, "
    "decode(r->>'s', 'hex') AS salt, l.*, p.* FROM json_array_elements(CAST(%(records)s AS json)) AS r, "
    f"json_to_record(r->'l') AS l({_fields(_LEAF_FIELDS)}), "
    f"json_to_record(r->'p') AS p({_fields({name: 'text' for name in PERSONAL_FIELDS})})), "
    f"new_leaves AS ({_insert(records.name, _LEAF_COLUMNS, 'new')}), "
    "new_ids AS (INSERT INTO record_ids (record_id, leaf_index) SELECT record_id, leaf_index FROM new), "
    f"new_nodes AS ({_insert(tree_nodes.name, {'level': 'level', 'node_index': 'node_index', 'hash': 'decode(hash, $$hex$$)'}, 'json_to_recordset(CAST(%(nodes)s AS json)) AS n(level smallint, node_index bigint, hash text)')}) "
    + _insert(p.name, _PERSONAL_COLUMNS, "new"))
BY_IDS = (str(sa.select(*COLUMNS).select_from(JOINED).compile(dialect=psycopg_dialect()))
          + " WHERE records.record_id = ANY(CAST(%(ids)s AS uuid[]))")
LEAVES = "SELECT leaf_index, leaf_hash FROM records WHERE leaf_index = ANY(CAST(%(indexes)s AS bigint[]))"
NODES = ("SELECT level, node_index, hash FROM tree_nodes WHERE (level, node_index) IN "
         "(SELECT * FROM unnest(CAST(%(levels)s AS smallint[]), CAST(%(indexes)s AS bigint[])))")
# The group's restrictions, [{"patient_id", "resource_type", "resource_id", "hidden_from_patient_until",
# "hidden_from_legal_representatives", "as_of"}] (one per resource), over older ones.
_RESTRICTION_FIELDS = {"patient_id": "text", "resource_type": "text", "resource_id": "text",
                       "hidden_from_patient_until": "timestamptz", "hidden_from_legal_representatives": "boolean",
                       "as_of": "timestamptz"}
APPLY_RESTRICTIONS = (
    f"INSERT INTO resource_visibility ({', '.join(_RESTRICTION_FIELDS)}) SELECT * FROM "
    f"json_to_recordset(CAST(%(restrictions)s AS json)) AS v({_fields(_RESTRICTION_FIELDS)}) "
    "ON CONFLICT (patient_id, resource_type, resource_id) DO UPDATE SET "
    "hidden_from_patient_until = excluded.hidden_from_patient_until, "
    "hidden_from_legal_representatives = excluded.hidden_from_legal_representatives, as_of = excluded.as_of "
    "WHERE resource_visibility.as_of < excluded.as_of")
ERASE = (f"UPDATE record_personal_data SET {', '.join(f'{n} = NULL' for n in PERSONAL_FIELDS)}, salt = NULL, "
         "erased_at = %(erased_at)s, erased_by_leaf = %(erased_by)s "
         "WHERE patient_id = %(patient_id)s AND erased_at IS NULL "
         "AND (CAST(%(before)s AS timestamptz) IS NULL OR occurred_at < %(before)s)")


class Partitions:
    """Where the log's last partition starts (migration 0005), once read: a group reaching it adds the
    next one first, so that the log never runs out of partitions."""

    def __init__(self):
        self.last_first_leaf: int | None = None


class AppendTransaction:
    """The repository of one group's transaction (see audit.domain.appends)."""

    def __init__(self, connection, partitions: Partitions | None = None):
        self._connection = connection
        self._partitions = partitions or Partitions()
        self._pending: dict | None = None
        self._restrictions: str | None = None        # JSON, for APPLY_RESTRICTIONS
        self._last_leaf = -1
        self._extended = None           # the cursor of audit_extend_log, when called

    def open_append(self, record_ids: set[str]) -> tuple[int, dict[str, StoredRecord]]:
        connection = self._connection
        with connection.pipeline():
            connection.execute("BEGIN")
            connection.execute(LOCK)
            size = connection.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM records")
            found = connection.cursor(row_factory=dict_row)
            found.execute(BY_IDS, {"ids": "{" + ",".join(sorted(record_ids)) + "}"})
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

    def apply_restrictions(self, restrictions: list[Restriction]) -> None:
        """Sent with the COMMIT. One per resource (a statement cannot update a row twice)."""
        self._restrictions = json.dumps([_restriction_row(r) for r in restrictions]) if restrictions else None

    def add(self, new: list[tuple[StoredRecord, Prepared]], nodes: list[tuple[int, int, bytes]]) -> None:
        """Sent with the COMMIT."""
        self._pending = self._inserted(new, nodes)

    def _inserted(self, new: list[tuple[StoredRecord, Prepared]], nodes: list[tuple[int, int, bytes]]) -> dict:
        """INSERT_ALL's parameters."""
        rows = ",".join(f'{{"i":{stored.leaf_index},"h":"{stored.leaf_hash.hex()}","s":"{prepared.salt.hex()}",'
                        f'"l":{prepared.leaf_input.decode()},"p":{prepared.personal_input.decode()}}}'
                        for stored, prepared in new)
        self._last_leaf = new[-1][0].leaf_index if new else -1
        return {"records": f"[{rows}]",
                "nodes": json.dumps([{"level": level, "node_index": index, "hash": value.hex()}
                                     for level, index, value in nodes])}

    def append_at_known_size(self, new: list[tuple[StoredRecord, Prepared]], nodes: list[tuple[int, int, bytes]]
                             ) -> bool:
        """Take the lock, insert, commit, in one round trip; False (rolled back) when a unique key refuses
        the records: the log grew elsewhere, or one of the ids is stored already."""
        parameters = {**self._inserted(new, nodes), "restrictions": self._restrictions}
        self._restrictions = None
        extend = self._must_extend()
        statements = ["BEGIN", LOCK, *([f"SELECT audit_extend_log({self._last_leaf:d})"] if extend else []),
                      INSERT_ALL, *([APPLY_RESTRICTIONS] if parameters["restrictions"] else []), "COMMIT"]
        connection = self._connection
        try:
            with ClientCursor(connection) as cursor:
                cursor.execute("; ".join(statements), parameters)
                if extend:              # past the results of BEGIN and of the lock
                    cursor.nextset()
                    cursor.nextset()
                    (self._partitions.last_first_leaf,) = cursor.fetchone() or (None,)
        except UniqueViolation:
            connection.rollback()
            self._partitions.last_first_leaf = None
            return False
        return True

    def erase_personal_data(self, patient_id: str, occurred_before: datetime | None, *, erased_at: datetime,
                            erased_by: int) -> int:
        self._flush()
        return self._connection.execute(ERASE, {"patient_id": patient_id, "before": occurred_before,
                                                "erased_at": erased_at, "erased_by": erased_by}).rowcount

    def _flush(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            if self._must_extend():
                self._extended = self._connection.execute("SELECT audit_extend_log(%s)", (self._last_leaf,))
            self._connection.execute(INSERT_ALL, pending)
        if self._restrictions is not None:
            restrictions, self._restrictions = self._restrictions, None
            self._connection.execute(APPLY_RESTRICTIONS, {"restrictions": restrictions})

    def _must_extend(self) -> bool:
        known = self._partitions.last_first_leaf
        return known is None or self._last_leaf >= known

    def commit(self) -> None:
        if self._pending is None and self._connection.info.transaction_status == TransactionStatus.IDLE:
            return                      # committed already (append_at_known_size)
        with self._connection.pipeline():
            self._flush()
            self._connection.commit()
        self._committed()

    def _committed(self) -> None:
        if self._extended is not None:
            self._partitions.last_first_leaf = self._extended.fetchone()[0]
            self._extended = None


def _restriction_row(r: Restriction) -> dict:
    until = r.hidden_from_patient_until
    return {"patient_id": r.patient_id, "resource_type": r.resource_type, "resource_id": r.resource_id,
            "hidden_from_patient_until": until.isoformat() if until else None,
            "hidden_from_legal_representatives": r.hidden_from_legal_representatives, "as_of": r.as_of.isoformat()}


class AppendConnection:
    """The writer thread's own connection, kept across groups; replaced when it breaks."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._held = None              # the pool's connection proxy (SET ROLE done on connect)
        self._partitions = Partitions()

    @contextmanager
    def transaction(self):
        if self._held is None:
            self._held = self._engine.raw_connection()
            self._held.driver_connection.autocommit = True
        connection = self._held.driver_connection
        try:
            tx = AppendTransaction(connection, self._partitions)
            yield tx
            tx.commit()
        except BaseException:
            self._partitions.last_first_leaf = None       # what it added may be rolled back
            if connection.broken or connection.closed:
                self._held.invalidate()
                self._held = None
            else:
                connection.rollback()
            raise

    def close(self) -> None:
        if self._held is not None:
            if not self._held.driver_connection.closed:
                self._held.driver_connection.autocommit = False   # as the pool's other users expect
            self._held.close()
            self._held = None
