"""Settings read once from the environment, failing with one message listing every problem."""
from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping


class ConfigError(Exception):
    pass


def env(name: str, default: object = dataclasses.MISSING, *, secret: bool = False,
        help: str = "") -> typing.Any:
    """Declare a settings field read from the environment variable `name`."""
    kwargs: dict = {"metadata": {"env": name, "secret": secret, "help": help}}
    if default is not dataclasses.MISSING:
        kwargs["default"] = default
    return dataclasses.field(**kwargs)


def _convert(raw: str, kind: type) -> object:
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected true/false")
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:  # Python's own message would repeat the value, maybe a secret
            raise ValueError(f"expected {'an integer' if kind is int else 'a number'}") from None
    return raw


def load(cls: type, environ: Mapping[str, str] | None = None):
    """Build the frozen dataclass `cls` from the environment, or raise one ConfigError."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values, problems = {}, []
    for f in dataclasses.fields(cls):
        name = f.metadata.get("env")
        if not name:
            continue
        raw = environ.get(name)
        if raw is None or raw == "":
            if f.default is dataclasses.MISSING:
                problems.append(f"{name}: missing ({f.metadata.get('help') or f.name})")
            continue
        try:
            values[f.name] = _convert(raw, hints[f.name])
        except ValueError as exc:
            shown = "<secret>" if f.metadata.get("secret") else repr(raw)
            problems.append(f"{name}: invalid value {shown} ({exc})")
    if problems:
        raise ConfigError(f"{cls.__name__}: cannot start, fix these environment variables:\n  - "
                          + "\n  - ".join(problems))
    return cls(**values)


def env_names(cls: type) -> list[str]:
    """Every environment variable a settings class reads (used by the chart drift test)."""
    return [f.metadata["env"] for f in dataclasses.fields(cls) if f.metadata.get("env")]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommonSettings:
    """Fields every gRPC service reads; services subclass it and add their own."""

    service_name: str = env("SERVICE_NAME", help="name used in logs, traces and metrics")
    grpc_port: int = env("GRPC_PORT", 0, help="gRPC listen port, 0 picks a free one")
    metrics_port: int = env("METRICS_PORT", 0, help="Prometheus port, 0 picks a free one, -1 disables")
    database_url: str = env("DATABASE_URL", secret=True, help="SQLAlchemy URL of the service's own database")
    identity_addr: str = env("IDENTITY_ADDR", "", help="host:port of identity, source of the JWKS")
    jwks_file: str = env("JWKS_FILE", "", help="JWKS JSON file used instead of asking identity")
    service_client_secret: str = env("SERVICE_CLIENT_SECRET", "", secret=True,
                                     help="this service's client secret, exchanged at identity for service tokens")
    service_client_secret_file: str = env(
        "SERVICE_CLIENT_SECRET_FILE", "", secret=True,
        help="a file holding the client secret instead (read again when it changes: a rotation needs no restart)")
    secret_files_poll_seconds: float = env("SECRET_FILES_POLL_SECONDS", 5.0,
                                           help="seconds between checks of the secret files for a new version")
    token_issuer: str = env("TOKEN_ISSUER", "mes-identity")
    token_audience: str = env("TOKEN_AUDIENCE", "mes-api")
    log_level: str = env("LOG_LEVEL", "INFO")
    otlp_endpoint: str = env("OTEL_EXPORTER_OTLP_ENDPOINT", "", help="OTLP/gRPC collector, empty = no export")
    grace_seconds: float = env("SHUTDOWN_GRACE_SECONDS", 5.0)
    port_file: str = env("PORT_FILE", "", help="file that receives the bound gRPC port once serving (local platform)")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ObjectStoreSettings:
    """The S3 endpoint of a service that keeps files (meskit.objects); a service mixes it in beside
    CommonSettings, with its own default bucket and the folder used when S3_ENDPOINT is empty."""

    s3_endpoint: str = env("S3_ENDPOINT", "", help="host:port of the S3 endpoint; empty = the service's local folder")
    s3_access_key: str = env("S3_ACCESS_KEY", "", secret=True)
    s3_secret_key: str = env("S3_SECRET_KEY", "", secret=True)
    s3_bucket: str = env("S3_BUCKET", "", help="created when first needed")
    s3_region: str = env("S3_REGION", "")
    s3_secure: bool = env("S3_SECURE", True, help="TLS to the S3 endpoint")
