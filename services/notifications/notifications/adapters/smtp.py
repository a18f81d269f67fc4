"""Email over real SMTP.

`SmtpMailer.send` is the one-shot path of login codes. `SmtpConnection` is a sender's long-lived
connection for notices and campaigns: it runs the SMTP transaction step by step so that the
caller records the mail as sent in the same instant as it writes the final "." that makes the
server take it (RFC 5321 §4.1.1.4). The "." is written into a corked socket (TCP_CORK: held in
the kernel, waking nobody), then the record is sent to the database, then the cork is pulled and
both answers are read. A server drops a message whose "." never came, so a process killed before
the "." sends the mail again later; one killed after the record has sent it once (the kernel
flushes a dead process's sockets, the held "." included). Between the two writes, microseconds
with no other process woken, a kill means the same mail twice (same Message-ID), never none.
"""
from __future__ import annotations

import re
import smtplib
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from meskit.errors import InvalidArgument, Unavailable

SENT, TEMPORARY, REFUSED, REJECTED, FENCED, UNCONFIRMED = (
    "SENT", "TEMPORARY", "REFUSED", "REJECTED", "FENCED", "UNCONFIRMED")
_LEADING_DOT = re.compile(rb"(?m)^\.")
_BARE_EOL = re.compile(rb"\r\n|\r|\n")
TCP_CORK = getattr(socket, "TCP_CORK", None)     # Linux; elsewhere the "." simply goes at once


def _socket(smtp: smtplib.SMTP) -> socket.socket:
    if smtp.sock is None:
        raise smtplib.SMTPServerDisconnected("not connected")
    return smtp.sock


def _cork(smtp: smtplib.SMTP, on: bool) -> None:
    if TCP_CORK is not None:
        _socket(smtp).setsockopt(socket.IPPROTO_TCP, TCP_CORK, int(on))


class SmtpMailer:
    def __init__(self, host: str, port: int, *, username: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10.0):
        self._host, self._port, self._timeout = host, port, timeout
        self._username, self._password, self._starttls = username, password, starttls

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise InvalidArgument("Adresse e-mail refusée par le serveur de messagerie",
                                  reason="EMAIL_REFUSED") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable("Service de messagerie indisponible", reason="SMTP_UNAVAILABLE") from exc

    def connection(self) -> SmtpConnection:
        return SmtpConnection(self._host, self._port, username=self._username, password=self._password,
                              starttls=self._starttls, timeout=self._timeout)


@dataclass(frozen=True)
class Outcome:
    kind: str                 # SENT, TEMPORARY, REFUSED (recipient, 5xx), REJECTED (message, 5xx), FENCED, UNCONFIRMED
    code: int = 0
    detail: str = ""
    committed: bool = False   # the caller's before_final_dot ran and said yes


def wire_format(data: bytes) -> bytes:
    """CRLF line ends and dot-stuffing (RFC 5321 §4.5.2), ending with CRLF, without the final '.'."""
    body = _LEADING_DOT.sub(b"..", _BARE_EOL.sub(b"\r\n", data))
    return body if body.endswith(b"\r\n") else body + b"\r\n"


class SmtpConnection:
    """One SMTP session reused for many mails (one sender thread owns it)."""

    def __init__(self, host: str, port: int, *, username: str = "", password: str = "", starttls: bool = False,
                 timeout: float = 10.0):
        self._host, self._port, self._timeout = host, port, timeout
        self._username, self._password, self._starttls = username, password, starttls
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
            try:
                # the final "." is a small write right after the message: without this, Nagle's
                # algorithm holds it until the server's delayed ACK (~40 ms a mail)
                _socket(smtp).setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                smtp.ehlo()
                if self._starttls:
                    smtp.starttls()
                    smtp.ehlo()
                if self._username:
                    smtp.login(self._username, self._password)
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()       # an unfinished DATA is discarded by the server
            self._smtp = None

    def _abort(self) -> None:
        """Close with a reset: what is still held in the socket (a corked ".") never leaves."""
        if self._smtp is not None and self._smtp.sock is not None:
            self._smtp.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._drop()

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def deliver(self, sender: str, recipient: str, data: bytes,
                begin_mark: Callable[[], Callable[[], bool]]) -> Outcome:
        """One mail to one recipient.

        `begin_mark()` starts recording the mail as sent and returns a function that waits for
        that record (True: recorded). It is called once the whole message and its final "." are
        written, the "." still held by the cork, before either answer is awaited."""
        mark = None
        try:
            smtp = self._open()
            code, reply = _command(smtp, f"MAIL FROM:<{sender}>")
            if code != 250:
                self._reset()
                return Outcome(TEMPORARY, code, _text(reply))     # our sender refused: not the person's fault
            code, reply = _command(smtp, f"RCPT TO:<{recipient}>")
            if code not in (250, 251):
                self._reset()
                return Outcome(REFUSED if 500 <= code < 600 else TEMPORARY, code, _text(reply))
            code, reply = smtp.docmd("DATA")
            if code != 354:
                self._reset()
                return Outcome(REJECTED if 500 <= code < 600 else TEMPORARY, code, _text(reply))
            smtp.send(wire_format(data))
            _cork(smtp, True)
            smtp.send(b".\r\n")
            try:
                mark = begin_mark()
            except BaseException:
                self._abort()             # the held "." is discarded: the server drops the message
                raise
            _cork(smtp, False)
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            if mark is not None:          # the "." may have reached the server: do not send it again
                return Outcome(UNCONFIRMED, 0, type(exc).__name__, committed=mark())
            return Outcome(TEMPORARY, 0, f"{type(exc).__name__}: {exc}"[:300])
        recorded = mark()
        try:
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Outcome(UNCONFIRMED, 0, type(exc).__name__, committed=recorded)
        if not recorded:
            return Outcome(FENCED, code, _text(reply))
        if code == 250:
            return Outcome(SENT, code, _text(reply), committed=True)
        if 500 <= code < 600:
            return Outcome(REJECTED, code, _text(reply), committed=True)
        return Outcome(TEMPORARY, code, _text(reply), committed=True)


def _command(smtp: smtplib.SMTP, line: str) -> tuple[int, bytes]:
    """One command; the addresses were checked when they entered the system (no CR, LF or <>)."""
    if any(c in line for c in "\r\n"):
        raise smtplib.SMTPException("line break in an SMTP command")
    smtp.send(f"{line}\r\n".encode())
    return smtp.getreply()


def _text(reply) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply))[:300]
