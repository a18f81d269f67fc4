"""A real SMTP server that keeps every mail as an .eml file a person can open."""
from __future__ import annotations

import itertools
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class MailDirHandler:
    def __init__(self, directory: Path, refuse: set[str] | None = None, defer: set[str] | None = None):
        self.directory = directory
        self.refuse = refuse if refuse is not None else set()
        self.defer = defer if defer is not None else set()      # answered 451: try again later
        self._counter = itertools.count()
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if address.lower() in self.defer:
            return "451 4.2.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{next(self._counter):06d}.eml"
        partial = self.directory / (name + ".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.directory / name)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def _trigger_server(self):
        # Port 0 binds a free port: learn which before the first connection to it.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """`port` 0 (the default) binds a free one; `.port` tells which once started."""

    def __init__(self, directory: Path, port: int = 0, host: str = "127.0.0.1"):
        self.directory = directory
        self.handler = MailDirHandler(directory)
        self.controller = _Controller(self.handler, hostname=host, port=port)

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def read_mails(directory: Path) -> list[EmailMessage]:
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(directory.glob("*.eml"))]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
