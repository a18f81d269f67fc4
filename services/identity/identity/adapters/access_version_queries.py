"""Queries of the access-context versions (kept by migration 0013's triggers), mixed into IdentityRepository."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from identity.adapters.tables import access_versions

VERSIONS_OF = sa.text("SELECT subject_id, version FROM access_versions WHERE subject_id = ANY(:ids)").columns(
    access_versions.c.subject_id, access_versions.c.version)     # one text for any count: prepared once


class AccessVersionQueries:
    session: Session

    def read_one_snapshot(self) -> None:
        """The rest of this transaction reads one snapshot (called before its first query)."""
        self.session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))

    def access_versions(self, subject_ids: list[str]) -> dict[str, int]:
        rows = self.session.execute(VERSIONS_OF, {"ids": subject_ids})
        return {subject: version for subject, version in rows}
