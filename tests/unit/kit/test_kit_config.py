"""Settings read once from the environment: what an operator sees when a variable is wrong."""
from __future__ import annotations

import dataclasses

import pytest

from meskit.config import CommonSettings, ConfigError, env, env_names, load


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShopSettings(CommonSettings):
    api_key: str = env("API_KEY", secret=True, help="key of the payment provider")
    pin: int = env("PIN", 0, secret=True)
    retries: int = env("RETRIES", 3)
    ratio: float = env("RATIO", 0.5)
    dry_run: bool = env("DRY_RUN", False)
    greeting: str = env("GREETING", "bonjour")


REQUIRED = {"SERVICE_NAME": "shop", "DATABASE_URL": "postgresql+psycopg://shop:pw@db/shop", "API_KEY": "k-123"}


def error_of(environ: dict) -> str:
    with pytest.raises(ConfigError) as info:
        load(ShopSettings, environ)
    return str(info.value)


class TestLoad:
    def test_lists_every_missing_variable_at_once(self):
        message = error_of({})
        for name in ("SERVICE_NAME", "DATABASE_URL", "API_KEY"):
            assert f"{name}: missing" in message
        assert "key of the payment provider" in message  # the help tells the operator what it is

    def test_reports_invalid_values_together_with_missing_ones(self):
        message = error_of({"SERVICE_NAME": "shop", "RETRIES": "three", "DRY_RUN": "maybe", "RATIO": "half"})
        assert "DATABASE_URL: missing" in message
        assert "API_KEY: missing" in message
        assert "RETRIES: invalid value 'three' (expected an integer)" in message
        assert "DRY_RUN: invalid value 'maybe' (expected true/false)" in message
        assert "RATIO: invalid value 'half' (expected a number)" in message

    def test_never_echoes_an_invalid_secret(self):
        message = error_of({**REQUIRED, "PIN": "hunter2-s3cret"})
        assert "PIN: invalid value <secret>" in message
        assert "hunter2-s3cret" not in message

    def test_empty_value_counts_as_missing(self):
        assert "API_KEY: missing" in error_of({**REQUIRED, "API_KEY": ""})

    @pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("YES", True), ("On", True),
                                              ("0", False), ("false", False), ("no", False), ("OFF", False)])
    def test_parses_booleans(self, raw, expected):
        assert load(ShopSettings, {**REQUIRED, "DRY_RUN": raw}).dry_run is expected

    def test_parses_numbers(self):
        settings = load(ShopSettings, {**REQUIRED, "RETRIES": "7", "RATIO": "0.25", "GRPC_PORT": "50051",
                                       "SHUTDOWN_GRACE_SECONDS": "2"})
        assert (settings.retries, settings.ratio, settings.grpc_port, settings.grace_seconds) == (7, 0.25, 50051, 2.0)

    def test_applies_defaults_for_absent_and_empty_variables(self):
        settings = load(ShopSettings, {**REQUIRED, "GREETING": ""})
        assert settings.greeting == "bonjour"
        assert (settings.retries, settings.dry_run, settings.grpc_port, settings.metrics_port) == (3, False, 0, 0)
        assert (settings.token_issuer, settings.token_audience, settings.grace_seconds) == ("mes-identity", "mes-api", 5.0)

    def test_settings_are_frozen(self):
        settings = load(ShopSettings, REQUIRED)
        with pytest.raises(dataclasses.FrozenInstanceError):
            settings.retries = 9  # type: ignore[misc]

    def test_reads_os_environ_by_default(self, monkeypatch):
        for name, value in REQUIRED.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("RETRIES", "11")
        assert load(ShopSettings).retries == 11


class TestEnvNames:
    def test_lists_common_and_service_variables(self):
        names = env_names(ShopSettings)
        assert {"SERVICE_NAME", "GRPC_PORT", "DATABASE_URL", "API_KEY", "DRY_RUN"} <= set(names)
        assert len(names) == len(set(names))
