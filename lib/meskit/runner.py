"""The common `main` of a gRPC service: settings, telemetry, database, server, signals."""
from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from meskit import clients, config, db, telemetry
from meskit.auth import TokenVerifier
from meskit.logs import configure_logging
from meskit.server import serve_until_signalled, watch_readiness

log = logging.getLogger("meskit.runner")


def verifier_for(settings: config.CommonSettings) -> TokenVerifier:
    if settings.jwks_file:
        fetch = clients.jwks_from_file(settings.jwks_file)
    elif settings.identity_addr:
        fetch = clients.jwks_from_identity(clients.channel(settings.identity_addr))
    else:
        raise config.ConfigError("set IDENTITY_ADDR or JWKS_FILE so that tokens can be verified")
    return TokenVerifier(fetch, issuer=settings.token_issuer, audience=settings.token_audience)


def main(settings_cls: type, build: Callable, versions_dir: Path, argv: list[str] | None = None) -> None:
    """`python -m <service> [serve|migrate]`.

    `build(settings) -> (KitServer, engine, on_stop)` is the service's composition root.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        settings = config.load(settings_cls)
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.service_name, settings.log_level)
    command = argv[0] if argv else "serve"
    if command == "migrate":
        db.migrate(settings.database_url, versions_dir)
        log.info("migrated")
        return
    if command != "serve":
        raise SystemExit(f"unknown command {command!r}: use serve or migrate")
    telemetry.configure_tracing(settings.service_name, settings.otlp_endpoint)
    metrics_port = telemetry.start_metrics_server(settings.metrics_port)
    try:
        kit, engine, on_stop = build(settings)
    except config.ConfigError as exc:  # a setting that only the composition root can judge
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    log.info("starting", extra={"grpc_port": kit.port, "metrics_port": metrics_port})
    watch_readiness(kit, lambda: db.ping(engine))
    # What the wiring built (modules, settings, clients, servicers) lives as long as the process:
    # out of the collector's generations, it is no longer traversed by every collection.
    gc.freeze()
    serve_until_signalled(kit, settings.grace_seconds, on_stop, settings.port_file)
    engine.dispose()


def build_contract_only(settings: config.CommonSettings, registration, **overrides):
    """A service whose issue has not landed yet: its contract answers UNIMPLEMENTED, but it
    runs, verifies tokens, owns its database and reports health like the others."""
    from meskit.server import build_server
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    kit = build_server(service=settings.service_name, port=settings.grpc_port,
                       verifier=overrides.get("verifier") or verifier_for(settings),
                       registrations=[registration])
    return kit, engine, lambda: None
