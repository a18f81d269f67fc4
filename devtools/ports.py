"""Addresses for tests that need a port where nothing listens: a server binds port 0 itself and
reports the port it got (PORT_FILE, `server_port`), never a port picked here and bound later."""
from __future__ import annotations

import socket


def closed_port() -> int:
    """A local port nothing listens on: bound to find a free one, then closed. For an address that
    must refuse connections (a service that is down), never for a server to bind later."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
