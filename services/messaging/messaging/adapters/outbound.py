"""The MSSanté bridge's outbound sender: the queue `mssante_outbound` (filled in each message's
transaction by messages.write) sent through the operator relay over SMTP.

Several replicas share the queue: a pass claims a few due rows with FOR UPDATE SKIP LOCKED under a
lease, and every outcome is written only while that lease is still the sender's (claimed_by). A
sender that dies lets its lease run out and the row is claimed again: the mail may then go twice,
with the same Message-ID (the professional's client shows it once), never be lost. A refusal of
the relay (5xx) or a mail that cannot be written (no address any more) is a dead letter at once;
anything else (4xx, relay down) is retried after retry_seconds × 2^(attempts-1), up to
max_attempts, then a dead letter. Nothing of the mail is logged: the message id and the SMTP code.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.engine import Engine

from messaging.adapters import mail_format
from messaging.adapters.tables import mssante_outbound as q
from messaging.domain.models import PATIENT
from messaging.domain.ports import Dependencies

log = logging.getLogger("messaging.mssante")
BATCH = 20
LEASE_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 6 * 3600.0
OUTBOUND = Counter("mes_mssante_outbound_total", "MSSanté mails handed to the relay, by outcome (sent, retry, dead)",
                   ["outcome"])


@dataclass(frozen=True)
class Relay:
    host: str
    port: int
    starttls: bool = False
    context: ssl.SSLContext | None = None     # verifies the relay, presents our certificate
    timeout: float = 20.0


class Permanent(Exception):
    """This mail will never go: a dead letter now."""


def relay_context(ca_file: str, cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file or None)
    if cert_file:
        context.load_cert_chain(cert_file, key_file)
    return context


class OutboundSender:
    def __init__(self, engine: Engine, deps: Dependencies, relay: Relay, *, retry_seconds: float,
                 max_attempts: int, lease_seconds: float = LEASE_SECONDS):
        self._engine, self._deps, self._relay = engine, deps, relay
        self._retry, self._max_attempts = retry_seconds, max_attempts
        self._lease = timedelta(seconds=lease_seconds)
        self.worker = str(uuid.uuid4())

    # ---- the queue ----
    def _claim(self) -> list:
        now = self._deps.now()
        due = (sa.select(q.c.outbound_id).where(
            q.c.state == "pending", q.c.available_at <= now,
            sa.or_(q.c.lease_until.is_(None), q.c.lease_until < now))
            .order_by(q.c.available_at).limit(BATCH).with_for_update(skip_locked=True))
        with self._engine.begin() as conn:
            return list(conn.execute(q.update().where(q.c.outbound_id.in_(due.scalar_subquery())).values(
                claimed_by=self.worker, lease_until=now + self._lease, attempts=q.c.attempts + 1)
                .returning(q.c.outbound_id, q.c.message_id, q.c.recipient_id, q.c.attempts)))

    def _finish(self, outbound_id: str, **values) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(q.update().where(
                q.c.outbound_id == outbound_id, q.c.claimed_by == self.worker, q.c.state == "pending")
                .values(lease_until=None, **values)).rowcount == 1

    # ---- one pass ----
    def run_once(self) -> int:
        claimed = self._claim()
        for row in claimed:
            self._send_one(row)
        return len(claimed)

    def _send_one(self, row) -> None:
        now = self._deps.now()
        try:
            sender, recipient, mail = self._compose(row.message_id, row.recipient_id)
            self.send(sender, recipient, mail)
        except Permanent as exc:
            log.warning("mssante mail dead", extra={"message_id": row.message_id, "error": str(exc).split(" ")[0]})
            self._finish(row.outbound_id, state="dead", last_error=str(exc)[:500])
            OUTBOUND.labels("dead").inc()
        except Exception as exc:
            error = _described(exc)
            if row.attempts >= self._max_attempts:
                log.warning("mssante mail dead after its attempts", extra={"message_id": row.message_id,
                                                                           "error": error.split(" ")[0]})
                self._finish(row.outbound_id, state="dead", last_error=error)
                OUTBOUND.labels("dead").inc()
            else:
                delay = min(MAX_BACKOFF_SECONDS, self._retry * 2 ** (row.attempts - 1))
                self._finish(row.outbound_id, available_at=now + timedelta(seconds=delay), last_error=error)
                OUTBOUND.labels("retry").inc()
        else:
            OUTBOUND.labels("sent").inc()
            if not self._finish(row.outbound_id, state="sent", sent_at=now, last_error=None):
                log.warning("mssante mail sent after its lease ran out", extra={"message_id": row.message_id})

    def _compose(self, message_id: str, recipient_id: str) -> tuple[str, str, object]:
        with self._deps.unit_of_work() as repo:
            message = repo.get_message(message_id)
            conversation = repo.get_conversation(message.conversation_id) if message else None
            if message is None or conversation is None:
                raise Permanent("MESSAGE_GONE")
            thread = repo.thread_of(conversation.conversation_id, message.seq)
        to = conversation.participant(recipient_id)
        patient = next((p for p in conversation.participants if p.type == PATIENT), None)
        if to is None or not to.mssante_address:
            raise Permanent("NO_RECIPIENT_ADDRESS")
        sender = self._deps.mail.patient_address(conversation.patient_id) if self._deps.mail else ""
        if not sender:
            raise Permanent("NO_SENDER_ADDRESS")
        from_them = [mid for who, mid in thread if who == recipient_id]
        in_reply_to = from_them[-1] if from_them else ""
        references = tuple(mid for _, mid in thread)[-20:] if in_reply_to else ()
        subject = conversation.subject
        if in_reply_to and not subject.lower().startswith(("re:", "re :")):
            subject = f"RE: {subject}"
        text = message.body + (f"\n\n-- \n{message.signature}" if message.signature else "")
        files = tuple(mail_format.OutgoingFile(a.filename, a.content_type, b"".join(self._deps.objects.stream(a.object_key)))
                      for a in message.attachments)
        mail = mail_format.compose(
            message_id=message.mssante_message_id, from_address=sender,
            from_name=patient.display_name if patient else "", to_address=to.mssante_address, to_name=to.display_name,
            subject=subject, text=text, sent_at=message.sent_at, in_reply_to=in_reply_to, references=references,
            files=files)
        return sender, to.mssante_address, mail

    def send(self, sender: str, recipient: str, mail) -> None:
        """One mail through the relay; Permanent when the relay refuses it for good (5xx)."""
        r = self._relay
        try:
            with smtplib.SMTP(r.host, r.port, timeout=r.timeout) as smtp:
                if r.starttls:
                    smtp.starttls(context=r.context)
                smtp.send_message(mail, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            if code >= 500:
                raise Permanent(_reply(code, text)) from None
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if exc.smtp_code >= 500:
                raise Permanent(_reply(exc.smtp_code, exc.smtp_error)) from None
            raise


def _reply(code: int, text: bytes | str) -> str:
    shown = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {shown}"[:500]


def _described(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _reply(code, text)
    return type(exc).__name__
