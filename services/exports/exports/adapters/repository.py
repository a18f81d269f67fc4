"""All of exports' queries. A repository works inside the session it is given and never commits."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from meskit.audit import AuditRecord
from meskit.events import Envelope
from meskit.outbox import add_audit_record, add_envelope, delete_relayed

from exports.adapters.tables import exports, outbox
from exports.domain.models import EXPIRED, FAILED, READY, RUNNING, Export

FIELDS = ("export_id", "patient_id", "requested_by", "state", "requested_at", "attempts", "object_key", "size_bytes",
          "sha256", "ready_at", "expires_at")


def _export(row) -> Export:
    return Export(**{f: getattr(row, f) for f in FIELDS})


class ExportsRepository:
    def __init__(self, session: Session):
        self._session = session

    def add_export(self, e: Export) -> bool:
        """False when one of hers is running already (the partial unique index), nothing written."""
        inserted = self._session.execute(
            insert(exports).values(**{f: getattr(e, f) for f in FIELDS})
            .on_conflict_do_nothing(index_elements=[exports.c.patient_id], index_where=exports.c.state == RUNNING)
            .returning(exports.c.export_id)).first()
        return inserted is not None

    def get_export(self, patient_id: str, export_id: str) -> Export | None:
        row = self._session.execute(sa.select(exports).where(exports.c.patient_id == patient_id,
                                                             exports.c.export_id == export_id)).first()
        return _export(row) if row else None

    def list_exports(self, patient_id: str, limit: int | None) -> list[Export]:
        rows = self._session.execute(sa.select(exports).where(exports.c.patient_id == patient_id)
                                     .order_by(exports.c.requested_at.desc()).limit(limit))
        return [_export(r) for r in rows]

    def claim_build(self, now: datetime, lease_until: datetime) -> Export | None:
        """The oldest running export nobody holds, leased until `lease_until`, its attempt counted."""
        free = (sa.select(exports.c.export_id)
                .where(exports.c.state == RUNNING,
                       sa.or_(exports.c.lease_until.is_(None), exports.c.lease_until <= now))
                .order_by(exports.c.requested_at).limit(1).with_for_update(skip_locked=True).scalar_subquery())
        row = self._session.execute(
            exports.update().where(exports.c.export_id == free)
            .values(lease_until=lease_until, attempts=exports.c.attempts + 1).returning(*exports.c)).first()
        return _export(row) if row else None

    def release_build(self, export_id: str, *, error: str, retry_at: datetime | None) -> None:
        """Back to the queue until `retry_at`; None: given up (FAILED)."""
        values: dict = {"last_error": error[:200], "lease_until": retry_at}
        if retry_at is None:
            values["state"] = FAILED
        self._session.execute(exports.update().where(exports.c.export_id == export_id,
                                                     exports.c.state == RUNNING).values(**values))

    def mark_ready(self, export_id: str, *, object_key: str, size_bytes: int, sha256: str, ready_at: datetime,
                   expires_at: datetime) -> bool:
        """True for the replica that finished first."""
        done = self._session.execute(
            exports.update().where(exports.c.export_id == export_id, exports.c.state == RUNNING)
            .values(state=READY, object_key=object_key, size_bytes=size_bytes, sha256=sha256, ready_at=ready_at,
                    expires_at=expires_at, lease_until=None, last_error="").returning(exports.c.export_id)).first()
        return done is not None

    def claim_expired(self, now: datetime, limit: int) -> list[Export]:
        rows = self._session.execute(
            sa.select(exports).where(exports.c.state == READY, exports.c.expires_at <= now)
            .order_by(exports.c.expires_at).limit(limit).with_for_update(skip_locked=True))
        return [_export(r) for r in rows]

    def mark_expired(self, export_id: str) -> None:
        self._session.execute(exports.update().where(exports.c.export_id == export_id, exports.c.state == READY)
                              .values(state=EXPIRED))

    def delete_exports(self, patient_id: str) -> int:
        deleted = self._session.execute(exports.delete().where(exports.c.patient_id == patient_id)
                                        .returning(exports.c.export_id))
        return len(deleted.all())

    def delete_published_events(self, patient_id: str) -> int:
        return delete_relayed(self._session, outbox, patient_id)

    def add_audit(self, record: AuditRecord) -> None:
        add_audit_record(self._session, outbox, record)

    def add_notice(self, envelope: Envelope, *, once: bool = False) -> bool:
        return add_envelope(self._session, outbox, envelope, once=once)
