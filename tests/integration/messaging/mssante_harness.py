"""The MSSanté bridge beside the messaging stack: a messaging replica with the SMTP listener (real
TLS, a test trust space) and the outbound sender, whose relay is an SMTP sink standing for the
professionals' mailboxes; an operator's SMTP client holding its client certificate."""
from __future__ import annotations

import dataclasses
import os
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import grpc
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as ipb
from mes.messaging.v1 import messaging_pb2_grpc

import documents_harness
from crafted_files import handmade_pdf
from documents_samples import pdf
from devtools.mssante_certs import TrustSpace, ensure_trust_space, issue, new_ca, write_pair
from devtools.smtp_sink import SmtpSink, read_mails
from messaging_harness import BIG, MessagingStack

PATIENT_DOMAIN = "patient.mssante.fr"
PDF = pdf()


def big_pdf(size: int) -> bytes:
    """A valid PDF of about `size` bytes (an unused stream of random bytes)."""
    n = size - 600
    return handmade_pdf(b"", b"<< /Length %d >>\nstream\n" % n + os.urandom(n) + b"\nendstream")


@dataclass
class Bridge:
    stack: MessagingStack
    space: TrustSpace
    foreign: tuple[Path, Path]          # a client certificate of another CA
    smtp_port: int
    mailbox_dir: Path
    sink: SmtpSink
    relay_port: int
    msg: messaging_pb2_grpc.MessagingServiceStub     # the bridge replica's gRPC
    stop: object

    # ---- operators' side ----
    def client(self, *, tls: bool = True, certificate: tuple[Path, Path] | None | str = "operator") -> smtplib.SMTP:
        smtp = smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=20)
        smtp.ehlo("operator.test")
        if tls:
            context = ssl.create_default_context(cafile=str(self.space.ca_file))
            if certificate == "operator":
                context.load_cert_chain(self.space.operator_cert_file, self.space.operator_key_file)
            elif certificate is not None:
                context.load_cert_chain(*certificate)
            smtp.starttls(context=context)
            smtp.ehlo("operator.test")
        return smtp

    def send(self, mail: EmailMessage | bytes, sender: str, recipient: str) -> tuple[int, str]:
        """One transaction; the first refusal's (code, text), or the DATA answer."""
        with self.client() as smtp:
            code, text = smtp.mail(sender)
            if code != 250:
                return code, text.decode()
            code, text = smtp.rcpt(recipient)
            if code != 250:
                return code, text.decode()
            raw = mail if isinstance(mail, bytes) else mail.as_bytes(policy=policy.SMTP)
            code, text = smtp.data(raw)
            return code, text.decode()

    def address_of(self, patient_id: str) -> str:
        reply = self.stack.identity.ResolveMailAddresses(ipb.ResolveMailAddressesRequest(
            patient_domain=PATIENT_DOMAIN, patient_ids=[patient_id]), metadata=self.stack.service(), timeout=10)
        return reply.patients[0].address

    def mailbox(self, message_id: str = "") -> list[EmailMessage]:
        return [m for m in read_mails(self.mailbox_dir) if not message_id or m["Message-ID"] == message_id]

    def restart_sink(self) -> None:
        """The relay back up, on the port the sender knows."""
        self.sink = SmtpSink(self.mailbox_dir, self.relay_port)
        self.sink.start()

    def outbound(self, message_id: str) -> list[dict]:
        with self.stack.messaging_engine().connect() as c:
            return [dict(r._mapping) for r in c.execute(sa.text(
                "SELECT recipient_id, state, attempts, last_error FROM mssante_outbound WHERE message_id = :m"),
                {"m": message_id})]

    def headers_of(self, mssante_message_id: str) -> dict:
        with self.stack.messaging_engine().connect() as c:
            return c.execute(sa.text("SELECT mss_headers FROM messages WHERE mssante_message_id = :m"),
                             {"m": mssante_message_id}).scalar() or {}


def mail(sender: str, recipient: str, *, subject: str = "Vos résultats", text: str | None = "Bonjour, voici vos résultats.",
         html: str = "", attachments: list[tuple[str, bytes, str]] = (), in_reply_to: str = "",
         headers: dict[str, str] | None = None) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = recipient
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="medecin.mssante.fr")
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    for name, value in (headers or {}).items():
        m[name] = value
    if text is not None:
        m.set_content(text)
    if html:
        if text is None:
            m.set_content(html, subtype="html")
        else:
            m.add_alternative(html, subtype="html")
    for name, data, kind in attachments:
        main, _, sub = kind.partition("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m


def start_bridge(stack: MessagingStack, tmp: Path) -> Bridge:
    from messaging.config import MessagingSettings
    from messaging.wiring import build
    space = ensure_trust_space(tmp / "trust")
    ca_key, ca_cert = new_ca("Another CA")
    foreign = write_pair(tmp / "trust", "foreign-operator", *issue(ca_key, ca_cert, ("medecin.mssante.fr",)))
    mailbox_dir = tmp / "professionals-mail"
    sink = SmtpSink(mailbox_dir)
    sink.start()
    port_file = tmp / "mssante-smtp.port"
    settings = stack._settings(
        MessagingSettings, "messaging", IDENTITY_ADDR=stack.address("identity"),
        SERVICE_CLIENT_SECRET=documents_harness.SECRETS["messaging"], AUDIT_ADDR=stack.address("audit"),
        NOTIFICATIONS_ADDR=stack.address("notifications"), S3_ENDPOINT=f"127.0.0.1:{stack.s3_port}",
        S3_ACCESS_KEY="test", S3_SECRET_KEY="test", S3_BUCKET=stack.bucket, S3_REGION="us-east-1", S3_SECURE="false",
        MSSANTE_SMTP_PORT="0", MSSANTE_SMTP_HOST="127.0.0.1", MSSANTE_SMTP_PORT_FILE=str(port_file),
        MSSANTE_CA_FILE=str(space.ca_file), MSSANTE_TLS_CERT_FILE=str(space.server_cert_file),
        MSSANTE_TLS_KEY_FILE=str(space.server_key_file), MSSANTE_RELAY_HOST="127.0.0.1",
        MSSANTE_RELAY_PORT=str(sink.port), MSSANTE_SEND_INTERVAL_SECONDS="0.2", MSSANTE_RETRY_SECONDS="0.3",
        MSSANTE_MAX_ATTEMPTS="4")
    kit, engine, on_stop = build(dataclasses.replace(settings, grpc_port=0), relay_interval=0.1)
    kit.server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{kit.port}", options=BIG)

    def stop() -> None:
        channel.close()
        kit.stop(0)
        on_stop()
        engine.dispose()
        bridge.sink.stop()
    bridge = Bridge(stack, space, foreign, int(port_file.read_text()), mailbox_dir, sink, sink.port,
                    messaging_pb2_grpc.MessagingServiceStub(channel), stop)
    return bridge
