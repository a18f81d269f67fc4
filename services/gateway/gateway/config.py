"""Gateway settings, read once from the environment."""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from meskit.config import env, load

# `<SERVICE>_ADDR` for any service, so that a new proto package needs no gateway change.
# (`demo_probe` reads DEMO_PROBE_ADDR; Kubernetes' own <NAME>_PORT_<N>_TCP_ADDR are not services.)
_ADDR_VARIABLE = re.compile(r"^(?![A-Z0-9_]*_PORT_[0-9]+_(?:TCP|UDP|SCTP)_ADDR$)([A-Z][A-Z0-9_]*)_ADDR$")


@dataclasses.dataclass(frozen=True)
class Settings:
    service_name: str = env("SERVICE_NAME", "gateway")
    http_host: str = env("HTTP_HOST", "0.0.0.0", help="listen address")
    http_port: int = env("HTTP_PORT", 8080, help="listen port, 0 picks a free one")
    metrics_port: int = env("METRICS_PORT", 0, help="Prometheus port, 0 picks a free one, -1 disables")
    identity_addr: str = env("IDENTITY_ADDR", "", help="host:port of identity (also the JWKS source)")
    documents_addr: str = env("DOCUMENTS_ADDR", "")
    messaging_addr: str = env("MESSAGING_ADDR", "")
    agenda_addr: str = env("AGENDA_ADDR", "")
    audit_addr: str = env("AUDIT_ADDR", "")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "")
    max_body_bytes: int = env("MAX_BODY_BYTES", 1024 * 1024)
    max_upload_bytes: int = env("MAX_UPLOAD_BYTES", 5_000_000,
                                help="largest file part of an upload; the body may add 64 KiB of multipart")
    token_issuer: str = env("TOKEN_ISSUER", "mes-identity")
    token_audience: str = env("TOKEN_AUDIENCE", "mes-api")
    log_level: str = env("LOG_LEVEL", "INFO")
    otlp_endpoint: str = env("OTEL_EXPORTER_OTLP_ENDPOINT", "", help="OTLP/gRPC collector, empty = no export")
    upstream_timeout_seconds: float = env("UPSTREAM_TIMEOUT_SECONDS", 5.0)
    stream_timeout_seconds: float = env("STREAM_TIMEOUT_SECONDS", 300.0,
                                        help="deadline of server-streaming calls")
    stream_heartbeat_seconds: float = env("STREAM_HEARTBEAT_SECONDS", 15.0,
                                          help="an idle NDJSON stream sends a heartbeat line this often")
    rate_limit_public_per_minute: int = env("RATE_LIMIT_PUBLIC_PER_MINUTE", 600,
                                            help="per client IP on public routes, 0 disables")
    rate_limit_token_per_minute: int = env("RATE_LIMIT_TOKEN_PER_MINUTE", 600,
                                           help="per token subject on authenticated routes, 0 disables")
    max_in_flight: int = env("MAX_IN_FLIGHT", 256,
                             help="requests one process handles at once (watches excepted), 0 = no limit")
    queue_wait_seconds: float = env("QUEUE_WAIT_SECONDS", 0.25,
                                    help="how long a request beyond MAX_IN_FLIGHT waits for a slot before a 503")
    forwarded_allow_ips: str = env("FORWARDED_ALLOW_IPS", "127.0.0.1",
                                   help="proxies whose X-Forwarded-For is trusted (uvicorn)")
    port_file: str = env("PORT_FILE", "", help="file that receives the bound HTTP port once serving (local platform)")
    shutdown_grace_seconds: float = env("SHUTDOWN_GRACE_SECONDS", 10.0,
                                        help="how long in-flight requests may finish after SIGTERM")
    # `<NAME>_ADDR` variables of services not declared above, read by `load_settings`.
    other_addrs: tuple[tuple[str, str], ...] = ()

    def address_of(self, service: str) -> str:
        """host:port of the service owning proto package `mes.<service>.v1` ('' if unset)."""
        declared = getattr(self, f"{service}_addr", None)
        if isinstance(declared, str):
            return declared
        return dict(self.other_addrs).get(service, "")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    settings = load(Settings, environ)
    declared = {f.name for f in dataclasses.fields(Settings)}
    others = tuple(sorted(
        (match.group(1).lower(), value) for name, value in environ.items()
        if (match := _ADDR_VARIABLE.match(name)) and value
        and f"{match.group(1).lower()}_addr" not in declared))
    return dataclasses.replace(settings, other_addrs=others)
