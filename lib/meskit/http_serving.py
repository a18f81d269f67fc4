"""`python -m gateway` and `python -m portal`: an HTTP app served by uvicorn (uvloop + httptools) on a
socket bound first, its port reported once serving, and a clean exit 0 on SIGTERM or SIGINT after
the app was told to drain (readiness 503) and in-flight requests had `grace` seconds to finish."""
from __future__ import annotations

import asyncio
import logging
import signal
import socket
from typing import Protocol

import uvicorn

from meskit import telemetry
from meskit.server import report_port


class Draining(Protocol):
    """An ASGI app that can be told to stop being ready."""
    async def __call__(self, scope, receive, send) -> None: ...
    def drain(self) -> None: ...


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn, telling the app to drain (readiness 503) as soon as a signal stops it."""

    def __init__(self, server_config: uvicorn.Config, app: Draining):
        super().__init__(server_config)
        self.app = app

    def handle_exit(self, sig, frame) -> None:
        self.app.drain()
        super().handle_exit(sig, frame)


async def _serve(server: uvicorn.Server, sock: socket.socket, metrics_port: int, port_file: str,
                 log: logging.Logger) -> None:
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        port = sock.getsockname()[1]
        report_port(port_file, port)
        log.info("serving", extra={"port": port, "metrics_port": metrics_port})
    await serving


def serve(app: Draining, *, name: str, host: str, port: int, grace: float, port_file: str, metrics_port: int,
          otlp_endpoint: str = "", forwarded_allow_ips: str | None = None, backlog: int = 2048) -> None:
    log = logging.getLogger(name)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)   # our own lines say it in JSON
    if otlp_endpoint:
        telemetry.configure_tracing(name, otlp_endpoint)
    metrics = telemetry.start_metrics_server(metrics_port)
    sock = _listen(host, port, backlog)
    server_config = uvicorn.Config(
        app, loop="uvloop", http="httptools", lifespan="on", log_config=None, access_log=False,
        proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips, server_header=False,
        timeout_graceful_shutdown=grace)  # type: ignore[arg-type]  # uvicorn takes seconds as a float
    server = _Server(server_config, app)

    # uvicorn re-raises the signal that stopped it once it is done; with these handlers in
    # place that ends in a clean exit 0 instead of death by SIGTERM.
    def stopping(signum, _frame):
        log.info("stopped", extra={"signal": signal.Signals(signum).name})
    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    with asyncio.Runner(loop_factory=server_config.get_loop_factory()) as runner:
        runner.run(_serve(server, sock, metrics, port_file, log))
