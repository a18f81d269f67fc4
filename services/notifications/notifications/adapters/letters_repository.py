"""Queries on letters and their print batches. Never commits: the use-case's transaction does."""
from __future__ import annotations

import uuid
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from notifications.adapters.tables import deliveries, events, letter_batches, letters, recipients
from notifications.domain import models
from notifications.domain.models import Letter, LetterBatch, LetterNotice, LetterToRender


class LettersRepository:
    def __init__(self, session: Session):
        self.session = session

    def new_batch(self, batch_key: str) -> str | None:
        """The batch of this key, created now; None when another run (or replica) made it already."""
        batch_id = str(uuid.uuid4())
        created = self.session.execute(insert(letter_batches).values(
            batch_id=batch_id, batch_key=batch_key, state=models.BUILDING)
            .on_conflict_do_nothing(index_elements=["batch_key"]).returning(letter_batches.c.batch_id)).first()
        return batch_id if created is not None else None

    def waiting_postal(self) -> dict[str, list[str]]:
        """Postal deliveries due, locked for this transaction: recipient id -> delivery ids."""
        d = deliveries.c
        rows = self.session.execute(sa.select(d.delivery_id, d.recipient_id).where(
            d.channel == "POSTAL", d.state == models.PENDING, d.available_at <= sa.func.now())
            .order_by(d.recipient_id, d.created_at).with_for_update(skip_locked=True)).all()
        grouped: dict[str, list[str]] = defaultdict(list)
        for delivery_id, recipient_id in rows:
            grouped[recipient_id].append(delivery_id)
        return grouped

    def postal_addresses(self, account_ids: list[str]) -> dict[str, str | None]:
        return dict(self.session.execute(sa.select(recipients.c.account_id, recipients.c.postal_address).where(
            recipients.c.account_id.in_(account_ids))).all())

    def add_letter(self, batch_id: str, recipient_id: str, delivery_ids: list[str]) -> str:
        letter_id = str(uuid.uuid4())
        self.session.execute(letters.insert().values(
            letter_id=letter_id, batch_id=batch_id, recipient_id=recipient_id, status=models.RENDERING,
            notices=len(delivery_ids), file_name=f"{letter_id}.pdf"))
        self.session.execute(deliveries.update().where(deliveries.c.delivery_id.in_(delivery_ids)).values(
            state=models.BATCHED, letter_id=letter_id, attempts=deliveries.c.attempts + 1, updated_at=sa.func.now()))
        return letter_id

    def skip(self, delivery_ids: list[str], reason: str) -> None:
        self.session.execute(deliveries.update().where(deliveries.c.delivery_id.in_(delivery_ids)).values(
            state=models.SKIPPED, last_error=reason, updated_at=sa.func.now()))

    def set_count(self, batch_id: str, count: int) -> None:
        self.session.execute(letter_batches.update().where(letter_batches.c.batch_id == batch_id)
                             .values(letter_count=count))

    def lock_building(self, batch_id: str | None = None) -> LetterBatch | None:
        """A batch still to write, locked so that one replica writes it (a crashed writer's lock goes with it)."""
        query = sa.select(letter_batches).where(letter_batches.c.state == models.BUILDING)
        if batch_id:
            query = query.where(letter_batches.c.batch_id == batch_id)
        row = self.session.execute(query.order_by(letter_batches.c.created_at).limit(1)
                                   .with_for_update(skip_locked=True)).mappings().first()
        return _batch(row) if row else None

    def to_render(self, batch_id: str) -> list[LetterToRender]:
        l, d, e, r = letters.c, deliveries.c, events.c, recipients.alias("r")
        p = recipients.alias("p")
        rows = self.session.execute(
            sa.select(l.letter_id, l.recipient_id, l.file_name, r.c.given_name, r.c.family_name, r.c.postal_address,
                      d.event_type, e.payload, e.occurred_at, p.c.given_name.label("p_given"),
                      p.c.family_name.label("p_family"))
            .select_from(letters.join(deliveries, d.letter_id == l.letter_id)
                         .join(r, r.c.account_id == l.recipient_id)
                         .outerjoin(events, e.event_id == d.event_id)
                         .outerjoin(p, p.c.account_id == d.profile_id))
            .where(l.batch_id == batch_id).order_by(l.recipient_id, e.occurred_at)).mappings().all()
        grouped: dict[str, dict] = {}
        for row in rows:
            letter = grouped.setdefault(row["letter_id"], {
                "letter_id": row["letter_id"], "recipient_id": row["recipient_id"], "file_name": row["file_name"],
                "given_name": row["given_name"], "family_name": row["family_name"],
                "postal_address": row["postal_address"] or "", "notices": []})
            letter["notices"].append(LetterNotice(
                row["event_type"], " ".join(x for x in (row["p_given"], row["p_family"]) if x),
                row["payload"] or {}, row["occurred_at"]))
        return [LetterToRender(**{**v, "notices": tuple(v["notices"])}) for v in grouped.values()]

    def finish(self, batch_id: str, location: str | None, manifest_location: str | None,
               pages: dict[str, int]) -> None:
        for letter_id, count in pages.items():
            self.session.execute(letters.update().where(letters.c.letter_id == letter_id).values(
                status=models.HANDED_TO_PRINTER, pages=count, updated_at=sa.func.now()))
        self.session.execute(deliveries.update().where(
            deliveries.c.letter_id.in_(sa.select(letters.c.letter_id).where(letters.c.batch_id == batch_id)
                                       .scalar_subquery()), deliveries.c.state == models.BATCHED)
            .values(state=models.SENT, updated_at=sa.func.now()))
        self.session.execute(letter_batches.update().where(letter_batches.c.batch_id == batch_id).values(
            state=models.WRITTEN, location=location, manifest_location=manifest_location, written_at=sa.func.now()))

    def batch(self, batch_id: str, with_letters: bool = True) -> LetterBatch | None:
        try:
            uuid.UUID(batch_id)
        except ValueError:
            return None
        row = self.session.execute(sa.select(letter_batches).where(letter_batches.c.batch_id == batch_id)).mappings().first()
        if row is None:
            return None
        found: tuple[Letter, ...] = ()
        if with_letters:
            found = tuple(_letter(r) for r in self.session.execute(
                sa.select(letters).where(letters.c.batch_id == batch_id).order_by(letters.c.recipient_id)).mappings())
        return _batch(row, found)

    def batches(self, limit: int, before: str | None) -> list[LetterBatch]:
        query = sa.select(letter_batches).order_by(letter_batches.c.created_at.desc(), letter_batches.c.batch_id)
        if before:
            query = query.where(letter_batches.c.created_at < sa.func.to_timestamp(float(before)))
        return [_batch(r) for r in self.session.execute(query.limit(limit)).mappings()]

    def letter(self, letter_id: str) -> Letter | None:
        try:
            uuid.UUID(letter_id)
        except ValueError:
            return None
        row = self.session.execute(sa.select(letters).where(letters.c.letter_id == letter_id)
                                   .with_for_update()).mappings().first()
        return _letter(row) if row else None

    def set_letter_status(self, letter_id: str, status: str) -> None:
        self.session.execute(letters.update().where(letters.c.letter_id == letter_id)
                             .values(status=status, updated_at=sa.func.now()))


def _letter(row) -> Letter:
    return Letter(letter_id=str(row["letter_id"]), batch_id=str(row["batch_id"]), recipient_id=row["recipient_id"],
                  status=row["status"], notices=row["notices"], pages=row["pages"], file_name=row["file_name"],
                  updated_at=row["updated_at"])


def _batch(row, found=()) -> LetterBatch:
    return LetterBatch(batch_id=str(row["batch_id"]), batch_key=row["batch_key"], state=row["state"],
                       letter_count=row["letter_count"], location=row["location"],
                       manifest_location=row["manifest_location"], created_at=row["created_at"],
                       written_at=row["written_at"], letters=found)
