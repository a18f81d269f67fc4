"""Queries of the access-context versions (kept by migration 0013's triggers), mixed into IdentityRepository."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from meskit import db

from identity.adapters.tables import access_versions

VERSIONS_OF = db.Query(sa.select(access_versions.c.subject_id, access_versions.c.version).where(
    access_versions.c.subject_id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.String)))))  # any count: prepared once


class AccessVersionQueries:
    session: Session

    def read_one_snapshot(self) -> None:
        """The rest of this transaction reads one snapshot (called before its first query)."""
        self.session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))

    def access_versions(self, subject_ids: list[str]) -> dict[str, int]:
        return {row["subject_id"]: row["version"] for row in VERSIONS_OF.all(self.session, ids=subject_ids)}
