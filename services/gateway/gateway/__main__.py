"""`python -m gateway`: settings, telemetry, the app, served by meskit.http_serving."""
from __future__ import annotations

import sys

from gateway.app import build_app
from gateway.config import Settings, load_settings
from meskit import config, http_serving
from meskit.logs import configure_logging


def main() -> None:
    try:
        settings: Settings = load_settings()
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.service_name, settings.log_level)
    http_serving.serve(build_app(settings), name="gateway", host=settings.http_host, port=settings.http_port,
                       grace=settings.shutdown_grace_seconds, port_file=settings.port_file,
                       metrics_port=settings.metrics_port, otlp_endpoint=settings.otlp_endpoint,
                       forwarded_allow_ips=settings.forwarded_allow_ips)


if __name__ == "__main__":
    main()
