"""A real SMTP server that keeps every mail as an .eml file a person can open."""
from __future__ import annotations

import itertools
import socket
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


class _BoundController(Controller):
    """aiosmtpd's controller serving a socket bound beforehand, so that port 0 works: the system
    picks a free port and the sink reports the one it holds (no port picked first and bound later)."""

    def __init__(self, handler: MailDirHandler, sock: socket.socket):
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port)
        self._socket = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._socket, ssl=self.ssl_context)


class SmtpSink:
    """`port` 0 (the default): any free port, read back from `port` once constructed. `handler`: a
    MailDirHandler of one's own (one that counts, say) instead of a plain one on `directory`."""

    def __init__(self, directory: Path, port: int = 0, host: str = "127.0.0.1", handler: MailDirHandler | None = None):
        self.directory = directory
        self.handler = handler if handler is not None else MailDirHandler(directory)
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        self.controller = _BoundController(self.handler, sock)

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
