"""The gateway's load shedding and rate limits are chart values, rendered into its environment."""
from __future__ import annotations

import yaml
from chartkit import component, template

from gateway.config import load_settings

_VARIABLES = {"maxInFlight": "MAX_IN_FLIGHT", "queueWaitSeconds": "QUEUE_WAIT_SECONDS",
              "rateLimitPublicPerMinute": "RATE_LIMIT_PUBLIC_PER_MINUTE",
              "rateLimitTokenPerMinute": "RATE_LIMIT_TOKEN_PER_MINUTE"}


def _gateway_environment(helm, *args: str) -> dict[str, str]:
    result = template(helm, *args)
    assert result.returncode == 0, result.stderr
    (config,) = [d for d in yaml.safe_load_all(result.stdout)
                 if d and d["kind"] == "ConfigMap" and component(d) == "gateway"]
    return config["data"]


def test_the_chart_defaults_are_the_gateways_own(helm):
    environment = _gateway_environment(helm)
    from_chart = load_settings({name: environment[name] for name in _VARIABLES.values()})
    assert (from_chart.max_in_flight, from_chart.queue_wait_seconds, from_chart.rate_limit_public_per_minute,
            from_chart.rate_limit_token_per_minute) == (256, 0.25, 600, 600)
    defaults = load_settings({})
    assert (defaults.max_in_flight, defaults.queue_wait_seconds, defaults.rate_limit_public_per_minute,
            defaults.rate_limit_token_per_minute) == (256, 0.25, 600, 600)


def test_each_value_sets_its_variable(helm):
    environment = _gateway_environment(helm, "--set", "gateway.maxInFlight=64", "--set", "gateway.queueWaitSeconds=0",
                                       "--set", "gateway.rateLimitPublicPerMinute=0",
                                       "--set", "gateway.rateLimitTokenPerMinute=1200")
    assert {name: environment[name] for name in _VARIABLES.values()} == {
        "MAX_IN_FLIGHT": "64", "QUEUE_WAIT_SECONDS": "0", "RATE_LIMIT_PUBLIC_PER_MINUTE": "0",
        "RATE_LIMIT_TOKEN_PER_MINUTE": "1200"}


def test_a_negative_limit_or_an_override_through_env_fails(helm):
    negative = template(helm, "--set", "gateway.maxInFlight=-1")
    assert negative.returncode != 0 and "maxInFlight" in negative.stderr
    overridden = template(helm, "--set-string", "services.gateway.env.RATE_LIMIT_TOKEN_PER_MINUTE=0")
    assert overridden.returncode != 0 and "RATE_LIMIT_TOKEN_PER_MINUTE" in overridden.stderr
