"""All of messaging's queries. A repository works inside the session it is given and never commits:
the use-case's unit of work does."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meskit.audit import AuditRecord
from meskit.events import Envelope
from meskit.outbox import add_audit_record, add_envelope

from messaging.adapters.tables import (
    attachments, conversations, drafts, messages, mssante_outbound, outbox, participants, pharmacies, pharmacy_visits,
    read_markers, receipts)
from messaging.domain.errors import DuplicateMessage
from messaging.domain.models import (
    ORGANISATIONAL, PREVIEW_CHARS, Attachment, Conversation, Draft, Message, Participant, Pharmacy, Receipt, Summary)

PARTICIPANT_COLUMNS = ("participant_id", "type", "display_name", "profession_code", "specialty", "mssante_address",
                       "mailbox_type", "id_nat")
CONVERSATION_UPDATABLE = frozenset({"state", "closed_by", "closed_at", "deleted_by_patient_at", "last_message_at"})
DRAFT_UPDATABLE = frozenset({"recipient_ids", "reply_option", "subject", "body", "request_acknowledgement", "updated_at"})
ATTACHMENT_COLUMNS = ("attachment_id", "patient_id", "filename", "content_type", "size_bytes", "sha256", "object_key",
                      "source", "source_document_id", "uploaded_by", "created_at", "position", "saved_document_id")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _attachment(row) -> Attachment:
    return Attachment(**{c: getattr(row, c) for c in ATTACHMENT_COLUMNS},
                      message_id=row.message_id or "", draft_id=row.draft_id or "")


class MessagingRepository:
    def __init__(self, session: Session):
        self._session = session

    # ---- conversations ----
    def add_conversation(self, c: Conversation) -> None:
        self._session.execute(conversations.insert().values(
            conversation_id=c.conversation_id, patient_id=c.patient_id, subject=c.subject, state=c.state,
            started_by=c.started_by, created_at=c.created_at, last_message_at=c.last_message_at,
            hidden_from_legal_representatives=c.hidden_from_legal_representatives))
        self._session.execute(participants.insert(), [
            {"conversation_id": c.conversation_id, **{k: getattr(p, k) for k in PARTICIPANT_COLUMNS}}
            for p in c.participants])

    def _participants(self, conversation_ids: list[str]) -> dict[str, tuple[Participant, ...]]:
        found: dict[str, list[Participant]] = {i: [] for i in conversation_ids}
        if conversation_ids:
            rows = self._session.execute(sa.select(participants).where(
                participants.c.conversation_id.in_(conversation_ids)).order_by(participants.c.type.desc(),
                                                                               participants.c.participant_id))
            for r in rows:
                found[r.conversation_id].append(Participant(**{k: getattr(r, k) for k in PARTICIPANT_COLUMNS}))
        return {k: tuple(v) for k, v in found.items()}

    @staticmethod
    def _conversation(row, people: tuple[Participant, ...]) -> Conversation:
        return Conversation(conversation_id=row.conversation_id, patient_id=row.patient_id, subject=row.subject,
                            state=row.state, started_by=row.started_by, created_at=row.created_at,
                            last_message_at=row.last_message_at, closed_by=row.closed_by, closed_at=row.closed_at,
                            deleted_by_patient_at=row.deleted_by_patient_at, participants=people,
                            hidden_from_legal_representatives=row.hidden_from_legal_representatives)

    def get_conversation(self, conversation_id: str, *, for_update: bool = False) -> Conversation | None:
        query = sa.select(conversations).where(conversations.c.conversation_id == conversation_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        if row is None:
            return None
        return self._conversation(row, self._participants([conversation_id])[conversation_id])

    def update_conversation(self, conversation_id: str, **values: Any) -> None:
        unknown = set(values) - CONVERSATION_UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        self._session.execute(conversations.update().where(conversations.c.conversation_id == conversation_id)
                              .values(**values))

    def _counts(self, reader_id: str):
        c, m, r = conversations, messages, read_markers
        marker = (sa.select(r.c.read_up_to).where(r.c.conversation_id == c.c.conversation_id, r.c.reader_id == reader_id)
                  .correlate(c).scalar_subquery())
        count = sa.select(sa.func.count()).where(m.c.conversation_id == c.c.conversation_id).correlate(c).scalar_subquery()
        unread = (sa.select(sa.func.count()).where(m.c.conversation_id == c.c.conversation_id, m.c.sender_id != reader_id,
                                                   m.c.seq > sa.func.coalesce(marker, 0))
                  .correlate(c).scalar_subquery())
        preview = (sa.select(sa.func.left(m.c.body, PREVIEW_CHARS)).where(m.c.conversation_id == c.c.conversation_id)
                   .order_by(m.c.seq.desc()).limit(1).correlate(c).scalar_subquery())
        return count.label("message_count"), unread.label("unread_count"), preview.label("preview")

    def _summaries(self, rows) -> list[Summary]:
        people = self._participants([r.conversation_id for r in rows])
        return [Summary(conversation=self._conversation(r, people[r.conversation_id]), message_count=r.message_count,
                        unread_count=r.unread_count, last_message_preview=r.preview or "") for r in rows]

    def list_summaries(self, *, reader_id: str, patient_id: str | None, participant_id: str | None, state: str | None,
                       unread_only: bool, query: str, patient_side: bool, offset: int, limit: int,
                       without_secret: bool = False) -> list[Summary]:
        """`without_secret`: a legal representative reading, who never learns of the hidden ones."""
        c, p = conversations, participants
        count, unread, preview = self._counts(reader_id)
        select = sa.select(c, count, unread, preview)
        if patient_id is not None:
            select = select.where(c.c.patient_id == patient_id)
        if patient_side:
            select = select.where(c.c.deleted_by_patient_at.is_(None))
        if without_secret:
            select = select.where(c.c.hidden_from_legal_representatives.is_(False))
        else:
            select = select.where(sa.exists().where(p.c.conversation_id == c.c.conversation_id,
                                                    p.c.participant_id == reader_id))
        if participant_id:
            select = select.where(sa.exists().where(p.c.conversation_id == c.c.conversation_id,
                                                    p.c.participant_id == participant_id))
        if state:
            select = select.where(c.c.state == state)
        if unread_only:
            select = select.where(unread > 0)
        if query.strip():
            pattern = _like(query.strip())
            select = select.where(sa.or_(c.c.subject.ilike(pattern, escape="\\"), sa.exists().where(
                p.c.conversation_id == c.c.conversation_id, p.c.participant_id != reader_id,
                p.c.display_name.ilike(pattern, escape="\\"))))
        select = select.order_by(c.c.last_message_at.desc(), c.c.conversation_id).offset(offset).limit(limit)
        return self._summaries(self._session.execute(select).all())

    def summary(self, conversation: Conversation, reader_id: str) -> Summary:
        count, unread, preview = self._counts(reader_id)
        row = self._session.execute(sa.select(conversations, count, unread, preview).where(
            conversations.c.conversation_id == conversation.conversation_id)).one()
        return self._summaries([row])[0]

    def delete_conversation_drafts(self, conversation_id: str) -> list[str]:
        ids = self._session.execute(sa.select(drafts.c.draft_id).where(drafts.c.conversation_id == conversation_id)).scalars().all()
        keys = self._session.execute(attachments.delete().where(attachments.c.draft_id.in_(ids))
                                     .returning(attachments.c.object_key)).scalars().all() if ids else []
        self._session.execute(drafts.delete().where(drafts.c.conversation_id == conversation_id))
        return list(keys)

    # ---- messages ----
    def add_message(self, m: Message, *, client_key: str = "") -> None:
        try:
            with self._session.begin_nested():
                self._session.execute(messages.insert().values(
                    message_id=m.message_id, conversation_id=m.conversation_id, sender_id=m.sender_id,
                    recipient_ids=list(m.recipient_ids), body=m.body, sent_at=m.sent_at,
                    acknowledgement_requested=m.acknowledgement_requested,
                    written_by_account_id=m.written_by_account_id, signature=m.signature,
                    mssante_message_id=m.mssante_message_id or None, client_key=client_key or None,
                    mss_headers=m.mss_headers or None))
        except IntegrityError as exc:
            if (client_key and "uq_messages_client_key" in str(exc.orig)) or "uq_messages_mssante_message_id" in str(exc.orig):
                raise DuplicateMessage() from exc
            raise
        if m.receipts:
            self._session.execute(receipts.insert(), [
                {"message_id": m.message_id, "recipient_id": r.recipient_id, "delivered_at": r.delivered_at,
                 "displayed_at": r.displayed_at} for r in m.receipts])

    def _messages(self, *conditions, offset: int = 0, limit: int | None = None) -> list[Message]:
        query = sa.select(messages).where(*conditions).order_by(messages.c.seq).offset(offset)
        rows = self._session.execute(query.limit(limit) if limit is not None else query).all()
        ids = [r.message_id for r in rows]
        files: dict[str, list[Attachment]] = {i: [] for i in ids}
        got: dict[str, list[Receipt]] = {i: [] for i in ids}
        if ids:
            for a in self._session.execute(sa.select(attachments).where(attachments.c.message_id.in_(ids))
                                           .order_by(attachments.c.position, attachments.c.created_at)):
                files[a.message_id].append(_attachment(a))
            for r in self._session.execute(sa.select(receipts).where(receipts.c.message_id.in_(ids))
                                           .order_by(receipts.c.recipient_id)):
                got[r.message_id].append(Receipt(recipient_id=r.recipient_id, delivered_at=r.delivered_at,
                                                 displayed_at=r.displayed_at))
        return [Message(message_id=r.message_id, conversation_id=r.conversation_id, sender_id=r.sender_id,
                        recipient_ids=tuple(r.recipient_ids), body=r.body, sent_at=r.sent_at, seq=r.seq,
                        acknowledgement_requested=r.acknowledgement_requested,
                        written_by_account_id=r.written_by_account_id, signature=r.signature,
                        mssante_message_id=r.mssante_message_id or "", attachments=tuple(files[r.message_id]),
                        receipts=tuple(got[r.message_id]), mss_headers=dict(r.mss_headers or {})) for r in rows]

    def find_client_message(self, client_key: str) -> Message | None:
        found = self._messages(messages.c.client_key == client_key)
        return found[0] if found else None

    def get_message(self, message_id: str) -> Message | None:
        found = self._messages(messages.c.message_id == message_id)
        return found[0] if found else None

    def find_mssante_message(self, mssante_message_id: str) -> Message | None:
        found = self._messages(messages.c.mssante_message_id == mssante_message_id)
        return found[0] if found else None

    def list_messages(self, conversation_id: str, *, offset: int, limit: int) -> list[Message]:
        return self._messages(messages.c.conversation_id == conversation_id, offset=offset, limit=limit)

    def last_seq(self, conversation_id: str) -> int:
        return self._session.execute(sa.select(sa.func.coalesce(sa.func.max(messages.c.seq), 0))
                                     .where(messages.c.conversation_id == conversation_id)).scalar_one()

    def last_sender_other_than(self, conversation_id: str, participant_id: str) -> str:
        return self._session.execute(sa.select(messages.c.sender_id).where(
            messages.c.conversation_id == conversation_id, messages.c.sender_id != participant_id)
            .order_by(messages.c.seq.desc()).limit(1)).scalar() or ""

    def read_up_to(self, conversation_id: str, reader_id: str) -> int:
        return self._session.execute(sa.select(read_markers.c.read_up_to).where(
            read_markers.c.conversation_id == conversation_id, read_markers.c.reader_id == reader_id)).scalar() or 0

    def mark_read(self, conversation_id: str, reader_id: str, up_to: int, now) -> list[str]:
        """The marker only moves forward; returns the messages whose receipt now says displayed."""
        statement = insert(read_markers).values(conversation_id=conversation_id, reader_id=reader_id, read_up_to=up_to,
                                                read_at=now)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=[read_markers.c.conversation_id, read_markers.c.reader_id],
            set_={"read_up_to": sa.func.greatest(read_markers.c.read_up_to, statement.excluded.read_up_to),
                  "read_at": now}))
        mine = sa.select(messages.c.message_id).where(messages.c.conversation_id == conversation_id,
                                                      messages.c.seq <= up_to)
        return list(self._session.execute(receipts.update().where(
            receipts.c.recipient_id == reader_id, receipts.c.displayed_at.is_(None), receipts.c.message_id.in_(mine))
            .values(displayed_at=now).returning(receipts.c.message_id)).scalars())

    def record_receipt(self, message_id: str, recipient_id: str, delivered_at, displayed_at) -> bool:
        """The first time each is reported counts; returns whether anything changed."""
        values = {}
        if delivered_at is not None:
            values["delivered_at"] = sa.func.coalesce(receipts.c.delivered_at, delivered_at)
        if displayed_at is not None:
            values["displayed_at"] = sa.func.coalesce(receipts.c.displayed_at, displayed_at)
        statement = insert(receipts).values(message_id=message_id, recipient_id=recipient_id, delivered_at=delivered_at,
                                            displayed_at=displayed_at)
        result = self._session.execute(statement.on_conflict_do_update(
            index_elements=[receipts.c.message_id, receipts.c.recipient_id], set_=values,
            where=sa.or_(*([receipts.c.delivered_at.is_(None)] if delivered_at is not None else []),
                         *([receipts.c.displayed_at.is_(None)] if displayed_at is not None else []))))
        return bool(getattr(result, "rowcount", 0))

    # ---- attachments ----
    def add_attachment(self, a: Attachment) -> None:
        self._session.execute(attachments.insert().values(
            **{c: getattr(a, c) for c in ATTACHMENT_COLUMNS}, message_id=a.message_id or None, draft_id=a.draft_id or None))

    def move_attachments(self, attachment_ids: list[str], *, message_id: str = "", draft_id: str = "") -> None:
        if not attachment_ids:
            return
        self._session.execute(attachments.update().where(attachments.c.attachment_id.in_(attachment_ids))
                              .values(message_id=message_id or None, draft_id=draft_id or None))

    def pending_uploads(self, attachment_ids: list[str], patient_id: str, uploaded_by: str, *,
                        for_update: bool = False) -> list[Attachment]:
        """Uploads of this caller for this patient still on neither a message nor a draft."""
        a = attachments
        query = sa.select(a).where(a.c.attachment_id.in_(attachment_ids), a.c.patient_id == patient_id,
                                   a.c.uploaded_by == uploaded_by, a.c.message_id.is_(None), a.c.draft_id.is_(None))
        return [_attachment(r) for r in self._session.execute(query.with_for_update() if for_update else query)]

    def claim_stale_uploads(self, before, limit: int) -> list[str]:
        """Deletes uploads never attached, older than `before`; returns their object keys. Rows another
        replica holds are skipped."""
        a = attachments
        stale = (sa.select(a.c.attachment_id).where(a.c.message_id.is_(None), a.c.draft_id.is_(None),
                                                    a.c.created_at < before)
                 .order_by(a.c.created_at).limit(limit).with_for_update(skip_locked=True))
        return list(self._session.execute(a.delete().where(a.c.attachment_id.in_(stale.scalar_subquery()))
                                          .returning(a.c.object_key)).scalars())

    def delete_attachments(self, attachment_ids: list[str]) -> list[str]:
        if not attachment_ids:
            return []
        return list(self._session.execute(attachments.delete().where(attachments.c.attachment_id.in_(attachment_ids))
                                          .returning(attachments.c.object_key)).scalars())

    # ---- drafts ----
    def add_draft(self, d: Draft) -> None:
        self._session.execute(drafts.insert().values(
            draft_id=d.draft_id, patient_id=d.patient_id, author_id=d.author_id, conversation_id=d.conversation_id or None,
            recipient_ids=list(d.recipient_ids), reply_option=d.reply_option, subject=d.subject, body=d.body,
            request_acknowledgement=d.request_acknowledgement, created_at=d.created_at, updated_at=d.updated_at))

    def _drafts(self, *conditions, offset: int = 0, limit: int | None = None, for_update: bool = False) -> list[Draft]:
        query = sa.select(drafts).where(*conditions).order_by(drafts.c.updated_at.desc(), drafts.c.draft_id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = self._session.execute(query.with_for_update() if for_update else query).all()
        ids = [r.draft_id for r in rows]
        files: dict[str, list[Attachment]] = {i: [] for i in ids}
        if ids:
            for a in self._session.execute(sa.select(attachments).where(attachments.c.draft_id.in_(ids))
                                           .order_by(attachments.c.position, attachments.c.created_at)):
                files[a.draft_id].append(_attachment(a))
        return [Draft(draft_id=r.draft_id, patient_id=r.patient_id, author_id=r.author_id, created_at=r.created_at,
                      updated_at=r.updated_at, conversation_id=r.conversation_id or "",
                      recipient_ids=tuple(r.recipient_ids), reply_option=r.reply_option, subject=r.subject, body=r.body,
                      request_acknowledgement=r.request_acknowledgement, attachments=tuple(files[r.draft_id]))
                for r in rows]

    def get_draft(self, draft_id: str, *, for_update: bool = False) -> Draft | None:
        found = self._drafts(drafts.c.draft_id == draft_id, for_update=for_update)
        return found[0] if found else None

    def list_drafts(self, patient_id: str, *, offset: int, limit: int, without_secret: bool = False) -> list[Draft]:
        """`without_secret`: leaves out the drafts on conversations hidden from the legal representatives."""
        conditions = [drafts.c.patient_id == patient_id]
        if without_secret:
            conditions.append(~sa.exists().where(conversations.c.conversation_id == drafts.c.conversation_id,
                                                 conversations.c.hidden_from_legal_representatives.is_(True)))
        return self._drafts(*conditions, offset=offset, limit=limit)

    def update_draft(self, draft_id: str, **values: Any) -> None:
        unknown = set(values) - DRAFT_UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        self._session.execute(drafts.update().where(drafts.c.draft_id == draft_id).values(**values))

    def delete_draft(self, draft_id: str) -> None:
        self._session.execute(drafts.delete().where(drafts.c.draft_id == draft_id))

    # ---- outbox ----
    def add_audit(self, record: AuditRecord) -> None:
        add_audit_record(self._session, outbox, record)

    def add_notice(self, envelope: Envelope, *, once: bool = False) -> bool:
        return add_envelope(self._session, outbox, envelope, once=once)

    # ---- pharmacies ----
    def upsert_pharmacies(self, found: list[Pharmacy], now: datetime) -> int:
        """Keyed by id_nat: a known pharmacy keeps its id, its fields are replaced."""
        if not found:
            return 0
        statement = insert(pharmacies).values([
            {"pharmacy_id": str(uuid.uuid4()), **{c: getattr(p, c) for c in PHARMACY_COLUMNS if c != "pharmacy_id"},
             "updated_at": now} for p in found])
        statement = statement.on_conflict_do_update(
            index_elements=[pharmacies.c.id_nat],
            set_={c: statement.excluded[c] for c in PHARMACY_COLUMNS if c not in ("pharmacy_id", "id_nat")}
            | {"updated_at": statement.excluded.updated_at})
        return len(self._session.execute(statement.returning(pharmacies.c.id_nat)).all())

    def record_pharmacy_visits(self, visits: list[tuple[str, str, date]]) -> int:
        """(patient_id, id_nat, visit_date) rows; one already recorded is ignored. Returns the new ones."""
        if not visits:
            return 0
        statement = insert(pharmacy_visits).values([
            {"patient_id": p, "id_nat": n, "visit_date": d} for p, n, d in visits]).on_conflict_do_nothing()
        return len(self._session.execute(statement.returning(pharmacy_visits.c.id_nat)).all())

    def _visited(self, patient_id: str, since: date):
        return (sa.select(pharmacy_visits.c.id_nat, sa.func.max(pharmacy_visits.c.visit_date).label("last_visit"))
                .where(pharmacy_visits.c.patient_id == patient_id, pharmacy_visits.c.visit_date >= since)
                .group_by(pharmacy_visits.c.id_nat).subquery())

    def search_pharmacies(self, *, patient_id: str, since: date, query: str, postal_code: str, city: str,
                          visited_only: bool, offset: int, limit: int) -> list[Pharmacy]:
        """Reachable pharmacies only; the patient's visited since `since` first (latest visit first), then by name."""
        visited = self._visited(patient_id, since)
        select = (sa.select(pharmacies, visited.c.last_visit)
                  .join(visited, visited.c.id_nat == pharmacies.c.id_nat, isouter=not visited_only)
                  .where(pharmacies.c.mailbox_type == ORGANISATIONAL, pharmacies.c.mssante_address != ""))
        if query:
            like = _like(query)
            select = select.where(sa.or_(pharmacies.c.name.ilike(like), pharmacies.c.city.ilike(like),
                                         pharmacies.c.address.ilike(like),
                                         pharmacies.c.postal_code.startswith(query, autoescape=True)))
        if postal_code:
            select = select.where(pharmacies.c.postal_code == postal_code)
        if city:
            select = select.where(sa.func.lower(pharmacies.c.city) == city.lower())
        select = select.order_by(visited.c.last_visit.is_(None), visited.c.last_visit.desc(), pharmacies.c.name,
                                 pharmacies.c.pharmacy_id).offset(offset).limit(limit)
        return [_pharmacy(r) for r in self._session.execute(select)]

    def get_pharmacy(self, pharmacy_id: str) -> Pharmacy | None:
        row = self._session.execute(sa.select(pharmacies).where(pharmacies.c.pharmacy_id == pharmacy_id)).first()
        return _pharmacy(row) if row else None

    def set_saved_document(self, attachment_id: str, document_id: str) -> None:
        self._session.execute(attachments.update().where(attachments.c.attachment_id == attachment_id)
                              .values(saved_document_id=document_id))


    # ---- the MSSanté bridge ----
    def add_outbound(self, message_id: str, recipient_ids: list[str], now) -> None:
        """Queue the message for the bridge's sender, one mail per recipient."""
        self._session.execute(mssante_outbound.insert(), [
            {"outbound_id": str(uuid.uuid4()), "message_id": message_id, "recipient_id": r, "created_at": now,
             "available_at": now} for r in recipient_ids])

    def thread_of(self, conversation_id: str, before_seq: int) -> list[tuple[str, str]]:
        """(sender id, Message-ID) of the conversation's messages before `before_seq`, oldest first."""
        return [(r.sender_id, r.mssante_message_id) for r in self._session.execute(
            sa.select(messages.c.sender_id, messages.c.mssante_message_id).where(
                messages.c.conversation_id == conversation_id, messages.c.seq < before_seq,
                messages.c.mssante_message_id.is_not(None)).order_by(messages.c.seq))]

PHARMACY_COLUMNS = ("pharmacy_id", "id_nat", "name", "address", "postal_code", "city", "phone", "mssante_address",
                    "mailbox_type")


def _pharmacy(row) -> Pharmacy:
    return Pharmacy(**{c: getattr(row, c) for c in PHARMACY_COLUMNS}, last_visit=getattr(row, "last_visit", None))
