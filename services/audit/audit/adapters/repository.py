"""Queries on audit's tables (reads, tree heads, keys). Never commits: the use-case's transaction does.
Appends go through `audit.adapters.appending`, at the driver level."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from meskit.db import Timestamp

from audit.adapters.tables import (
    log_keys, record_personal_data, records, resource_visibility, tree_heads, tree_nodes)
from audit.domain.activity import Cursor, RecordFilter
from audit.domain.merkle import Node
from audit.domain.models import PERSONAL_FIELDS, Entry, LogKey, Personal, Restriction, StoredRecord, TreeHead
from audit.domain.verification import LedgerRow
from audit.domain.visibility import HistoryViewer

p = record_personal_data
COLUMNS = [*records.c, *(c.label(f"p_{c.name}") for c in p.c if c.name != "leaf_index"),
           p.c.leaf_index.label("p_leaf_index")]
JOINED = records.outerjoin(p, p.c.leaf_index == records.c.leaf_index)
# The records with their resource's restriction, for what the patient's side reads.
rv = resource_visibility
RV_COLUMNS = [c.label(f"rv_{c.name}") for c in rv.c]
RV_ON = sa.and_(rv.c.patient_id == p.c.patient_id, rv.c.resource_type == records.c.resource_type,
                rv.c.resource_id == p.c.resource_id)
WITH_RESTRICTION = JOINED.outerjoin(rv, RV_ON)


@overload
def utc(value: datetime) -> datetime: ...
@overload
def utc(value: None) -> None: ...
def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(timezone.utc) if value is not None else None


def record_of(row) -> StoredRecord:
    personal = Personal(**{name: row[f"p_{name}"] or "" for name in PERSONAL_FIELDS})
    entry = Entry(record_id=str(row["record_id"]), occurred_at=utc(row["occurred_at"]),
                  actor_type=row["actor_type"], action=row["action"], decision=row["decision"], personal=personal,
                  profession_code=row["profession_code"], group=row["activity_group"],
                  resource_type=row["resource_type"], rule=row["rule"], access_mode=row["access_mode"],
                  service=row["service"], request_id=row["request_id"], matrix_version=row["matrix_version"])
    return StoredRecord(entry, row["leaf_index"], bytes(row["leaf_hash"]), utc(row["appended_at"]),
                        bytes(row["personal_commitment"]), erased=row["p_erased_at"] is not None,
                        restriction=_restriction(row))


def _restriction(row) -> Restriction | None:
    if row.get("rv_as_of") is None:
        return None
    return Restriction(row["rv_patient_id"], row["rv_resource_type"], row["rv_resource_id"],
                       utc(row["rv_hidden_from_patient_until"]), row["rv_hidden_from_legal_representatives"],
                       utc(row["rv_as_of"]))


def _head(row) -> TreeHead:
    return TreeHead(row.tree_size, row.timestamp_ms, bytes(row.root_hash), bytes(row.signature), row.key_id,
                    row.algorithm)


class AuditRepository:
    def __init__(self, session: Session):
        self.session = session

    # ---- the tree ----
    def tree_size(self) -> int:
        return self.session.execute(sa.select(sa.func.coalesce(sa.func.max(records.c.leaf_index) + 1, 0))).scalar_one()

    def stored_hashes(self, nodes: set[Node]) -> dict[Node, bytes]:
        leaves = [index for level, index in nodes if level == 0]
        inner = [(level, index) for level, index in nodes if level != 0]
        found: dict[Node, bytes] = {}
        if leaves:
            rows = self.session.execute(sa.select(records.c.leaf_index, records.c.leaf_hash)
                                        .where(records.c.leaf_index.in_(leaves)))
            found.update({(0, row.leaf_index): bytes(row.leaf_hash) for row in rows})
        if inner:
            rows = self.session.execute(sa.select(tree_nodes).where(
                sa.tuple_(tree_nodes.c.level, tree_nodes.c.node_index).in_(inner)))
            found.update({(row.level, row.node_index): bytes(row.hash) for row in rows})
        return found

    def records_by_ids(self, record_ids: set[str]) -> dict[str, StoredRecord]:
        if not record_ids:
            return {}
        wanted = sa.func.any_(sa.cast(sa.bindparam("ids", list(record_ids)), ARRAY(sa.Uuid(as_uuid=False))))
        rows = self.session.execute(sa.select(*COLUMNS, *RV_COLUMNS).select_from(WITH_RESTRICTION)
                                    .where(records.c.record_id == wanted)).mappings()
        return {str(row["record_id"]): record_of(row) for row in rows}

    def record_at(self, leaf_index: int) -> StoredRecord | None:
        row = self.session.execute(sa.select(*COLUMNS, *RV_COLUMNS).select_from(WITH_RESTRICTION)
                                   .where(records.c.leaf_index == leaf_index)).mappings().first()
        return record_of(row) if row else None

    def records_between(self, start: int, end: int) -> list[StoredRecord]:
        rows = self.session.execute(sa.select(*COLUMNS).select_from(JOINED)
                                    .where(records.c.leaf_index >= start, records.c.leaf_index < end)
                                    .order_by(records.c.leaf_index)).mappings()
        return [record_of(row) for row in rows]

    def find_records(self, f: RecordFilter, *, after: Cursor | None, limit: int, oldest_first: bool,
                     viewer: HistoryViewer | None = None) -> list[StoredRecord]:
        """`viewer`: the patient's side. A delegate never gets records hidden from legal representatives;
        filters on the actor or the resource never match a record hidden from the patient (redacted)."""
        query = sa.select(*COLUMNS, *RV_COLUMNS).select_from(
            p.join(records, records.c.leaf_index == p.c.leaf_index).outerjoin(rv, RV_ON))
        conditions = []
        hidden: sa.ColumnElement[bool] = sa.false()
        if viewer is not None:
            hidden = sa.func.coalesce(rv.c.hidden_from_patient_until > sa.literal(viewer.now, Timestamp), sa.false())
            if viewer.delegate:
                conditions.append(sa.not_(sa.func.coalesce(rv.c.hidden_from_legal_representatives, sa.false())))
        for column, value in ((p.c.patient_id, f.patient_id), (p.c.actor_id, f.actor_id),
                              (records.c.resource_type, f.resource_type), (p.c.resource_id, f.resource_id)):
            if value:
                conditions.append(column == value)
                if column is not p.c.patient_id and column is not records.c.resource_type:
                    conditions.append(sa.not_(hidden))
        for column, values in ((records.c.actor_type, f.actor_types), (records.c.action, f.actions),
                               (records.c.activity_group, f.groups), (records.c.decision, f.decisions)):
            if values:
                conditions.append(column.in_(values))
                if column is records.c.actor_type:
                    conditions.append(sa.not_(hidden))
        if f.start_time is not None:
            conditions.append(p.c.occurred_at >= f.start_time)
        if f.end_time is not None:
            conditions.append(p.c.occurred_at < f.end_time)
        position = sa.tuple_(p.c.occurred_at, p.c.leaf_index)
        if after is not None:
            cursor = sa.tuple_(sa.literal(after.occurred_at, Timestamp), sa.literal(after.leaf_index))
            conditions.append(position > cursor if oldest_first else position < cursor)
        order = (p.c.occurred_at, p.c.leaf_index) if oldest_first else (p.c.occurred_at.desc(), p.c.leaf_index.desc())
        rows = self.session.execute(query.where(*conditions).order_by(*order).limit(limit)).mappings()
        return [record_of(row) for row in rows]

    # ---- restricted resources ----
    def apply_restriction(self, r: Restriction) -> bool:
        """Insert, or replace an older one (as_of): True when the row changed."""
        values = dict(patient_id=r.patient_id, resource_type=r.resource_type, resource_id=r.resource_id,
                      hidden_from_patient_until=r.hidden_from_patient_until,
                      hidden_from_legal_representatives=r.hidden_from_legal_representatives, as_of=r.as_of)
        statement = insert(rv).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[rv.c.patient_id, rv.c.resource_type, rv.c.resource_id],
            set_={k: statement.excluded[k] for k in ("hidden_from_patient_until",
                                                     "hidden_from_legal_representatives", "as_of")},
            where=rv.c.as_of < statement.excluded.as_of)
        return self.session.execute(statement.returning(rv.c.as_of)).first() is not None

    # ---- tree heads and keys ----
    def latest_head(self) -> TreeHead | None:
        row = self.session.execute(sa.select(tree_heads).order_by(tree_heads.c.tree_size.desc()).limit(1)).first()
        return _head(row) if row else None

    def head_at(self, tree_size: int) -> TreeHead | None:
        row = self.session.execute(sa.select(tree_heads).where(tree_heads.c.tree_size == tree_size)).first()
        return _head(row) if row else None

    def add_head(self, head: TreeHead) -> TreeHead:
        """Store `head`, or return the head another replica stored first for that size."""
        row = self.session.execute(insert(tree_heads).values(
            tree_size=head.tree_size, timestamp_ms=head.timestamp_ms, root_hash=head.root_hash,
            signature=head.signature, key_id=head.key_id, algorithm=head.algorithm)
            .on_conflict_do_nothing(index_elements=[tree_heads.c.tree_size]).returning(*tree_heads.c)).first()
        if row:
            return _head(row)
        stored = self.head_at(head.tree_size)
        assert stored is not None, "the conflict means another replica stored a head for that size"
        return stored

    def register_key(self, key_id: str, algorithm: str, public_key: bytes, now: datetime) -> None:
        self.session.execute(insert(log_keys).values(key_id=key_id, algorithm=algorithm, public_key=public_key,
                                                     not_before=now)
                             .on_conflict_do_nothing(index_elements=[log_keys.c.key_id]))
        self.session.execute(log_keys.update().where(log_keys.c.key_id != key_id, log_keys.c.not_after.is_(None))
                             .values(not_after=now))

    def log_keys(self) -> list[LogKey]:
        rows = self.session.execute(sa.select(log_keys).order_by(log_keys.c.not_before))
        return [LogKey(r.key_id, r.algorithm, bytes(r.public_key), utc(r.not_before), utc(r.not_after))
                for r in rows]

    # ---- a person's export ----
    def subject_records(self, patient_id: str) -> list[tuple[StoredRecord, bytes]]:
        """Her records (with their restriction) and the salts of their personal data, by leaf."""
        rows = self.session.execute(sa.select(*COLUMNS, *RV_COLUMNS).select_from(WITH_RESTRICTION)
                                    .where(p.c.patient_id == patient_id).order_by(records.c.leaf_index)).mappings()
        return [(record_of(row), bytes(row["p_salt"] or b"")) for row in rows]

    # ---- the whole log, streamed, for the verifier ----
    def ledger(self, batch: int = 2000) -> Iterator[LedgerRow]:
        query = (sa.select(*COLUMNS).select_from(JOINED).order_by(records.c.leaf_index)
                 .execution_options(yield_per=batch))
        for row in self.session.execute(query).mappings():
            yield LedgerRow(
                record=record_of(row), has_personal_row=row["p_leaf_index"] is not None,
                personal_all_null=all(row[f"p_{name}"] is None for name in PERSONAL_FIELDS),
                salt=bytes(row["p_salt"]) if row["p_salt"] is not None else None,
                personal_occurred_at=utc(row["p_occurred_at"]), erased_at=row["p_erased_at"],
                erased_by=row["p_erased_by_leaf"])

    def nodes_in_append_order(self, batch: int = 2000) -> Iterator[tuple[int, int, bytes]]:
        """Stored subtree hashes in the order appends complete them: by last leaf, then level."""
        last_leaf = sa.cast(tree_nodes.c.node_index + 1, sa.BigInteger).op("<<")(
            sa.cast(tree_nodes.c.level, sa.Integer))
        query = (sa.select(tree_nodes).order_by(last_leaf, tree_nodes.c.level).execution_options(yield_per=batch))
        for row in self.session.execute(query):
            yield row.level, row.node_index, bytes(row.hash)

    def heads(self) -> list[TreeHead]:
        return [_head(row) for row in self.session.execute(sa.select(tree_heads).order_by(tree_heads.c.tree_size))]
