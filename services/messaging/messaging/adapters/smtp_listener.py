"""The MSSanté bridge's SMTP listener (aiosmtpd, in the messaging process).

Operators of the trust space authenticate each other with certificates: a client must STARTTLS and
present a certificate issued by the configured CA before anything else (no STARTTLS: 530 to MAIL;
no certificate: 554 to every later command; a certificate of another CA: the handshake fails).
Then:
- MAIL FROM: only from the operator domains the certificate vouches for (its DNS names, "*.x" for
  one label under x), and a professional's MSSanté address (550 5.7.1 / 550 5.1.8);
- RCPT TO: one patient per mail, an address of an existing space; anything else, malformed or
  unknown alike, 550 5.1.1 (no hint whether a person exists);
- DATA: at most MAX_DATA_BYTES (SIZE advertised; 552 beyond), parsed (malformed: 550 5.6.0), the
  From header the envelope sender, then delivered by the domain's one delivery path; each refusal
  of the rules a precise 5xx, a dependency down 451 (try again later).
Replies are ASCII (no SMTPUTF8 needed to read them) and never quote the mail.
"""
from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable

from aiosmtpd.controller import Controller
from prometheus_client import Counter

from meskit.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

from messaging.adapters import mail_format
from messaging.domain.delivery import Delivery
from messaging.domain.ports import MailDirectory

log = logging.getLogger("messaging.smtp")
# aiosmtpd logs every command line at INFO, RCPT TO:<NIR+key@...> included: a patient's NIR never goes to the logs.
logging.getLogger("mail.log").setLevel(logging.WARNING)
# 10,000,000 bytes of attachments in base64 (4/3, lines of 76 + CRLF) is about 13.7 MB; text and headers on top.
MAX_DATA_BYTES = 14_500_000
UNKNOWN_MAILBOX = "550 5.1.1 Mailbox unavailable"
TRY_LATER = "451 4.3.0 Temporarily unable to accept mail, try again later"
ATTACHMENT_REASONS = frozenset({"UNSUPPORTED_TYPE", "EMPTY", "CORRUPT", "POLYGLOT", "FILENAME_REQUIRED",
                                "FILENAME_TOO_LONG", "TOO_MANY_ATTACHMENTS"})
TOO_BIG_REASONS = frozenset({"TOO_LARGE", "ATTACHMENTS_TOO_LARGE"})
INBOUND = Counter("mes_mssante_inbound_total", "MSSanté mails received at DATA, by SMTP reply class (2xx, 4xx, 5xx)",
                  ["reply"])


def tls_context(ca_file: str, cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=ca_file)
    context.load_cert_chain(cert_file, key_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # OPTIONAL: a certificate presented is verified against the CA (else the handshake fails); none
    # presented is refused by handle_STARTTLS, so that the client is told (554) rather than cut off.
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def vouched_domains(peercert: dict | None) -> frozenset[str]:
    if not peercert:
        return frozenset()
    return frozenset(value.lower() for kind, value in peercert.get("subjectAltName", ()) if kind == "DNS")


def _vouched(domain: str, domains: frozenset[str]) -> bool:
    if domain in domains:
        return True
    parent = domain.partition(".")[2]
    return bool(parent) and f"*.{parent}" in domains


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def reply_for(error: DomainError) -> str:
    reason = error.reason
    where = f" ({error.violations[0].field})" if error.violations else ""
    if isinstance(error, InvalidArgument):
        if reason in TOO_BIG_REASONS:
            return f"552 5.3.4 Attachments too large: {reason}{where}"
        if reason in ATTACHMENT_REASONS:
            return f"554 5.6.1 Attachment refused: {reason}{where}"
        if any(v.field == "body" for v in error.violations):
            return "552 5.3.4 Message text too long or empty"
        return f"550 5.6.0 Message refused: {reason or 'INVALID_ARGUMENT'}{where}"
    if isinstance(error, PermissionDenied):
        return f"550 5.7.1 Sender may not write to this patient: {reason or 'PERMISSION_DENIED'}"
    if isinstance(error, FailedPrecondition):
        if reason in ("PROFILE_CLOSED", "NO_SPACE"):
            return UNKNOWN_MAILBOX
        return f"550 5.7.1 Conversation refused: {reason}"
    if isinstance(error, NotFound):
        return UNKNOWN_MAILBOX
    return TRY_LATER


class MssanteHandler:
    """aiosmtpd hooks; the blocking calls (identity, the delivery) run on the loop's executor."""

    def __init__(self, directory: MailDirectory, deliver: Callable[[Delivery], object]):
        self._directory = directory
        self._deliver = deliver

    async def _blocking(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    def handle_STARTTLS(self, server, session, envelope) -> bool:
        domains = vouched_domains((session.ssl or {}).get("peercert"))
        session.operator_domains = domains
        return bool(domains)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not _vouched(_domain(address), getattr(session, "operator_domains", frozenset())):
            return "550 5.7.1 Sender domain not vouched for by your certificate"
        try:
            found = await self._blocking(self._directory.resolve, [address])
        except DomainError:
            return TRY_LATER
        professional_id = found.get(address, ("", ""))[1]
        if not professional_id:
            return "550 5.1.8 Sender is not a known MSSante mailbox"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.professional_id = professional_id
        envelope.patient_id = ""
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if envelope.rcpt_tos:
            return "452 4.5.3 One patient per mail: send the others separately"
        try:
            found = await self._blocking(self._directory.resolve, [address])
        except DomainError:
            return TRY_LATER
        patient_id = found.get(address, ("", ""))[0]
        if not patient_id:
            return UNKNOWN_MAILBOX
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        envelope.patient_id = patient_id
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = await self._data(envelope)
        INBOUND.labels(f"{reply[0]}xx").inc()
        return reply

    async def _data(self, envelope) -> str:
        try:
            mail = await self._blocking(mail_format.parse, envelope.original_content or envelope.content)
        except mail_format.Malformed as exc:
            return f"550 5.6.0 Malformed message: {exc}"
        if mail.from_address.lower() != envelope.mail_from.lower():
            return "550 5.7.1 The From header is not the envelope sender"
        delivery = Delivery(
            patient_id=envelope.patient_id, professional_id=envelope.professional_id,
            mssante_message_id=mail.message_id, subject=mail.subject, body=mail.text, attachments=mail.attachments,
            thread=mail.thread, acknowledgement_requested=mail.acknowledgement_requested,
            mss_headers=mail.mss_headers)
        try:
            await self._blocking(self._deliver, delivery)
        except DomainError as exc:
            log.info("mail refused", extra={"reason": exc.reason or exc.code})
            return reply_for(exc)
        except Exception as exc:
            log.error("mail delivery failed", extra={"error": type(exc).__name__})
            return TRY_LATER
        return "250 2.0.0 Delivered"


class SmtpListener(Controller):
    """aiosmtpd's controller on a socket bound beforehand, so that port 0 works (the bound port in `port`)."""

    def __init__(self, handler: MssanteHandler, *, host: str, port: int, context: ssl.SSLContext, hostname: str):
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self._socket = sock
        super().__init__(handler, hostname=host, port=sock.getsockname()[1], server_hostname=hostname,
                         tls_context=context, require_starttls=True, data_size_limit=MAX_DATA_BYTES,
                         auth_require_tls=True, enable_SMTPUTF8=False)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._socket)

    def _trigger_server(self):
        local = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.hostname, self.hostname)
        with socket.create_connection((local, self.port), 1.0) as s:
            s.recv(1024)
