"""`python -m portal`: settings, the app, uvicorn (uvloop + httptools), signals."""
from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys

import uvicorn

from meskit import config, telemetry
from meskit.logs import configure_logging
from meskit.server import report_port
from portal.app import PortalApp, build_app
from portal.config import Settings, load_settings

log = logging.getLogger("portal")


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn, telling the app to drain (readiness 503) as soon as a signal stops it."""

    def __init__(self, server_config: uvicorn.Config, app: PortalApp):
        super().__init__(server_config)
        self.app = app

    def handle_exit(self, sig, frame) -> None:
        self.app.drain()
        super().handle_exit(sig, frame)


async def _serve(server: uvicorn.Server, sock: socket.socket, metrics_port: int, port_file: str) -> None:
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        port = sock.getsockname()[1]
        report_port(port_file, port)
        log.info("serving", extra={"port": port, "metrics_port": metrics_port})
    await serving


def main() -> None:
    try:
        settings: Settings = load_settings()
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.service_name, settings.log_level)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    if settings.otlp_endpoint:
        telemetry.configure_tracing(settings.service_name, settings.otlp_endpoint)
    metrics_port = telemetry.start_metrics_server(settings.metrics_port)
    app = build_app(settings)
    sock = _listen(settings.http_host, settings.http_port)
    server_config = uvicorn.Config(
        app, loop="uvloop", http="httptools", lifespan="on", log_config=None, access_log=False,
        proxy_headers=True, server_header=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds)  # type: ignore[arg-type]  # uvicorn takes seconds as a float
    server = _Server(server_config, app)

    def stopping(signum, _frame):
        log.info("stopped", extra={"signal": signal.Signals(signum).name})
    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    with asyncio.Runner(loop_factory=server_config.get_loop_factory()) as runner:
        runner.run(_serve(server, sock, metrics_port, settings.port_file))


if __name__ == "__main__":
    main()
