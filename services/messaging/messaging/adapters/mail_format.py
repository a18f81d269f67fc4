"""MIME in and out for the MSSanté bridge.

In: a received mail parsed into what a message holds: its Message-ID, the Message-IDs it answers
(In-Reply-To, References), the subject, the text (an HTML part converted to plain text: no markup,
nothing of scripts or styles kept), the attachments' bytes (checked later like any attachment) and
its X-MSS-* headers. Anything that cannot be read faithfully is `Malformed`, with what is wrong.

Out: a message of the patient's side as a mail from her address, with its own Message-ID and the
threading headers of the conversation, its attachments as MIME parts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import errors, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses
from html.parser import HTMLParser

from messaging.domain.attachments import NewAttachment, NewFile

MSG_ID = re.compile(r"<[^<>\s]{1,250}>")
MSS_PREFIX = "x-mss-"
MAX_MSS_HEADERS, MAX_MSS_VALUE = 30, 1000
MAX_REFERENCES = 50
BROKEN = (errors.NoBoundaryInMultipartDefect, errors.StartBoundaryNotFoundDefect,
          errors.CloseBoundaryNotFoundDefect, errors.MultipartInvariantViolationDefect,
          errors.InvalidBase64PaddingDefect, errors.InvalidBase64CharactersDefect,
          errors.InvalidBase64LengthDefect, errors.MissingHeaderBodySeparatorDefect)


class Malformed(Exception):
    """The mail cannot be read as a message; `str()` says why (an SMTP reply's text, ASCII)."""


@dataclass(frozen=True)
class ReceivedMail:
    message_id: str
    from_address: str
    subject: str
    text: str
    attachments: list[NewAttachment] = field(default_factory=list)
    thread: tuple[str, ...] = ()
    acknowledgement_requested: bool = False
    mss_headers: dict[str, str] = field(default_factory=dict)


class _Text(HTMLParser):
    """HTML to plain text: the text of the document only; script, style and the like dropped."""
    SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"})
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                        "blockquote", "pre", "hr", "section", "article", "header", "footer"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _ids(value: str) -> list[str]:
    return MSG_ID.findall(value or "")


def _defects(part) -> list:
    return [d for d in part.defects if isinstance(d, BROKEN)]


def _content(part) -> str:
    try:
        return part.get_content().replace("\r\n", "\n").replace("\r", "\n")
    except (LookupError, UnicodeError, ValueError, AssertionError) as exc:
        raise Malformed(f"unreadable text part ({type(exc).__name__})") from None


def parse(raw: bytes) -> ReceivedMail:
    try:
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        return _read(mail)
    except Malformed:
        raise
    except Exception as exc:      # the parser's own failures on broken input
        raise Malformed(f"unreadable MIME structure ({type(exc).__name__})") from None


def _read(mail: EmailMessage) -> ReceivedMail:
    if not mail.keys():
        raise Malformed("no headers")
    for part in mail.walk():
        if _defects(part):
            raise Malformed(f"broken MIME part ({type(_defects(part)[0]).__name__})")
    ids = _ids(str(mail.get("Message-ID", "")))
    if len(ids) != 1:
        raise Malformed("one Message-ID required")
    senders = [a for _, a in getaddresses([str(v) for v in mail.get_all("From", [])]) if a]
    if len(senders) != 1:
        raise Malformed("one From address required")
    plain: list[str] = []
    html: list[str] = []
    attachments: list[NewAttachment] = []
    for part in mail.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition == "attachment" or filename or kind not in ("text/plain", "text/html"):
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes):
                raise Malformed("unreadable attachment")
            attachments.append(NewAttachment(file=NewFile(filename or "piece-jointe", kind, data)))
        elif kind == "text/plain":
            plain.append(_content(part))
        else:
            html.append(_content(part))
    text = "\n\n".join(p.strip() for p in plain if p.strip()) or "\n\n".join(html_to_text(h) for h in html)
    thread = _ids(str(mail.get("In-Reply-To", ""))) + list(reversed(_ids(str(mail.get("References", "")))))
    headers: dict[str, str] = {}
    for name, value in mail.items():
        if name.lower().startswith(MSS_PREFIX) and len(headers) < MAX_MSS_HEADERS:
            headers[name] = str(value)[:MAX_MSS_VALUE]
    return ReceivedMail(message_id=ids[0], from_address=senders[0], subject=str(mail.get("Subject", "")).strip(),
                        text=text, attachments=attachments, thread=tuple(dict.fromkeys(thread))[:MAX_REFERENCES],
                        acknowledgement_requested="Disposition-Notification-To" in mail,
                        mss_headers=headers)


@dataclass(frozen=True)
class OutgoingFile:
    filename: str
    content_type: str
    data: bytes


def compose(*, message_id: str, from_address: str, from_name: str, to_address: str, to_name: str, subject: str,
            text: str, sent_at: datetime, in_reply_to: str = "", references: tuple[str, ...] = (),
            files: tuple[OutgoingFile, ...] = ()) -> EmailMessage:
    mail = EmailMessage(policy=policy.SMTP)
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(sent_at)
    mail["From"] = Address(display_name=from_name, addr_spec=from_address)
    mail["To"] = Address(display_name=to_name, addr_spec=to_address)
    mail["Subject"] = subject
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = " ".join(references)
    mail.set_content(text)
    for f in files:
        main, _, sub = f.content_type.partition("/")
        mail.add_attachment(f.data, maintype=main, subtype=sub or "octet-stream", filename=f.filename)
    return mail
