from __future__ import annotations

import pytest

from gateway.config import load_settings
from gateway.ratelimit import RateLimiter
from meskit.config import ConfigError


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class TestRateLimiter:
    def test_allows_a_burst_then_asks_to_wait(self):
        clock = _Clock()
        limiter = RateLimiter(3, clock=clock)
        assert [limiter.take("1.2.3.4") for _ in range(3)] == [0, 0, 0]
        wait = limiter.take("1.2.3.4")
        assert wait == pytest.approx(20.0) and RateLimiter.retry_after(wait) == "20"

    def test_refills_over_time_and_per_client(self):
        clock = _Clock()
        limiter = RateLimiter(60, clock=clock)
        for _ in range(60):
            limiter.take("a")
        assert limiter.take("a") > 0 and limiter.take("b") == 0
        clock.now += 1.0
        assert limiter.take("a") == 0

    def test_forgets_the_oldest_clients_beyond_its_size(self):
        limiter = RateLimiter(1, max_clients=2, clock=_Clock())
        for client in ("a", "b", "c"):
            limiter.take(client)
        assert limiter.take("a") == 0   # "a" was forgotten, so it starts afresh

    def test_zero_disables(self):
        assert not RateLimiter(0).enabled


class TestSettings:
    def test_defaults(self):
        settings = load_settings({})
        assert (settings.service_name, settings.http_host, settings.max_body_bytes) == ("gateway", "0.0.0.0", 1 << 20)
        assert (settings.token_issuer, settings.token_audience) == ("mes-identity", "mes-api")

    def test_addresses_of_declared_and_new_services(self):
        settings = load_settings({"IDENTITY_ADDR": "identity:50051", "PHARMACY_ADDR": "pharmacy:50060",
                                  "IDENTITY_PORT_50051_TCP_ADDR": "10.0.0.1"})
        assert settings.address_of("identity") == "identity:50051"
        assert settings.address_of("pharmacy") == "pharmacy:50060"
        assert settings.address_of("agenda") == ""
        assert settings.other_addrs == (("pharmacy", "pharmacy:50060"),)   # Kubernetes' own *_TCP_ADDR ignored

    def test_one_clear_error(self):
        with pytest.raises(ConfigError, match="HTTP_PORT"):
            load_settings({"HTTP_PORT": "eighty"})
