"""Portal settings, read once from the environment."""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from meskit.config import ConfigError, env, load


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    service_name: str = env("SERVICE_NAME", "portal")
    http_host: str = env("HTTP_HOST", "0.0.0.0", help="listen address")
    http_port: int = env("HTTP_PORT", 8000, help="listen port, 0 picks a free one")
    metrics_port: int = env("METRICS_PORT", 0, help="Prometheus port, 0 picks a free one, -1 disables")
    gateway_url: str = env("GATEWAY_URL", help="the gateway's base URL, e.g. http://gateway:8080")
    session_secret: str = env("SESSION_SECRET", secret=True,
                              help="key material of the session cookie (at least 32 characters)")
    public_base_url: str = env("PUBLIC_BASE_URL", "",
                               help="the portal's public URL, e.g. https://portail.example; empty = from the request")
    log_level: str = env("LOG_LEVEL", "INFO")
    otlp_endpoint: str = env("OTEL_EXPORTER_OTLP_ENDPOINT", "", help="OTLP/gRPC collector, empty = no export")
    port_file: str = env("PORT_FILE", "", help="file that receives the bound HTTP port once serving (local platform)")
    shutdown_grace_seconds: float = env("SHUTDOWN_GRACE_SECONDS", 10.0,
                                        help="how long in-flight requests may finish after SIGTERM")

    @property
    def secure_cookies(self) -> bool:
        """Cookies marked Secure when the public URL is https (always behind a TLS ingress)."""
        return self.public_base_url.startswith("https://")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    settings = load(Settings, os.environ if environ is None else environ)
    if len(settings.session_secret) < 32:
        raise ConfigError("Settings: cannot start, fix these environment variables:\n"
                          "  - SESSION_SECRET: too short (at least 32 characters of random key material)")
    return settings
