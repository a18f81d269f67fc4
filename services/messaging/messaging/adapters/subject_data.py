"""What messaging holds about one person, read for her export and erased for her deleted space: the
conversations of her space (their participants, messages, receipts, read markers, outbound mail),
her drafts, her attachments and her pharmacy visits. Rows only; the attachments' bytes are the
object store's (named by `object_key`)."""
from __future__ import annotations

import sqlalchemy as sa

from messaging.adapters.tables import (attachments, conversations, drafts, messages, mssante_outbound,
                                       participants, pharmacy_visits, read_markers, receipts)


def _dicts(connection, query) -> list[dict]:
    return [dict(row._mapping) for row in connection.execute(query)]


class SubjectData:
    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def attachments(self, patient_id: str) -> list[dict]:
        with self._engine.connect() as c:
            return _dicts(c, sa.select(attachments).where(attachments.c.patient_id == patient_id)
                          .order_by(attachments.c.created_at, attachments.c.attachment_id))

    def export(self, patient_id: str) -> dict:
        """Her conversations with their participants and messages, and her drafts (plain rows)."""
        with self._engine.connect() as c:
            mine = sa.select(conversations.c.conversation_id).where(conversations.c.patient_id == patient_id)
            found = _dicts(c, sa.select(conversations).where(conversations.c.patient_id == patient_id)
                           .order_by(conversations.c.created_at))
            people = _dicts(c, sa.select(participants).where(participants.c.conversation_id.in_(mine)))
            written = _dicts(c, sa.select(messages).where(messages.c.conversation_id.in_(mine))
                             .order_by(messages.c.seq))
            seen = _dicts(c, sa.select(receipts).where(receipts.c.message_id.in_(
                sa.select(messages.c.message_id).where(messages.c.conversation_id.in_(mine)))))
            pending = _dicts(c, sa.select(drafts).where(drafts.c.patient_id == patient_id)
                             .order_by(drafts.c.created_at))
            visits = _dicts(c, sa.select(pharmacy_visits).where(pharmacy_visits.c.patient_id == patient_id)
                            .order_by(pharmacy_visits.c.visit_date))
        for message in written:
            message.pop("client_key", None)
            message["receipts"] = [r for r in seen if r["message_id"] == message["message_id"]]
        for conversation in found:
            cid = conversation["conversation_id"]
            conversation["participants"] = [p for p in people if p["conversation_id"] == cid]
            conversation["messages"] = [m for m in written if m["conversation_id"] == cid]
        return {"conversations": found, "drafts": pending, "pharmacy_visits": visits}

    def erase(self, patient_id: str) -> dict[str, int]:
        """Deletes her rows in one transaction; how many of each kind (zero once gone)."""
        with self._engine.begin() as c:
            mine = sa.select(conversations.c.conversation_id).where(conversations.c.patient_id == patient_id)
            in_mine = sa.select(messages.c.message_id).where(messages.c.conversation_id.in_(mine))
            counts = {
                "attachments": c.execute(sa.delete(attachments).where(sa.or_(
                    attachments.c.patient_id == patient_id, attachments.c.message_id.in_(in_mine)))).rowcount,
                "outbound_mails": c.execute(sa.delete(mssante_outbound)
                                            .where(mssante_outbound.c.message_id.in_(in_mine))).rowcount,
                "receipts": c.execute(sa.delete(receipts).where(receipts.c.message_id.in_(in_mine))).rowcount,
                "read_markers": c.execute(sa.delete(read_markers)
                                          .where(read_markers.c.conversation_id.in_(mine))).rowcount,
                "drafts": c.execute(sa.delete(drafts).where(sa.or_(
                    drafts.c.patient_id == patient_id, drafts.c.conversation_id.in_(mine)))).rowcount,
                "messages": c.execute(sa.delete(messages).where(messages.c.conversation_id.in_(mine))).rowcount,
            }
            c.execute(sa.delete(participants).where(participants.c.conversation_id.in_(mine)))
            counts["conversations"] = c.execute(sa.delete(conversations)
                                                .where(conversations.c.patient_id == patient_id)).rowcount
            counts["pharmacy_visits"] = c.execute(sa.delete(pharmacy_visits)
                                                  .where(pharmacy_visits.c.patient_id == patient_id)).rowcount
        return counts
