"""CLOCK_OFFSET_FILE (a test hook): identity refuses to start on a malformed offset file; unset, the
setting leaves the real clock; its help says it is never for production."""
from __future__ import annotations

import dataclasses

import pytest

from meskit import config
from meskit.auth import generate_private_key_pem
from meskit.clock import ClockOffsetError

from identity.config import IdentitySettings


def settings(tmp_path, **extra) -> IdentitySettings:
    key = tmp_path / "key.pem"
    key.write_bytes(generate_private_key_pem())
    return config.load(IdentitySettings, {
        "SERVICE_NAME": "identity", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "SIGNING_KEY_FILE": str(key), "NOTIFICATIONS_ADDR": "127.0.0.1:1", "AUDIT_ADDR": "127.0.0.1:1", **extra})


def test_the_real_clock_by_default_and_the_help_says_it_is_a_test_hook(tmp_path):
    loaded = settings(tmp_path)
    assert loaded.clock_offset_file == "" and loaded.delegation_jobs_interval_seconds == 300
    [field] = [f for f in dataclasses.fields(IdentitySettings) if f.name == "clock_offset_file"]
    assert "never for production" in field.metadata["help"]


def test_a_malformed_offset_file_refuses_the_start(tmp_path):
    from identity.wiring import build
    offset = tmp_path / "offset"
    offset.write_text("next week")
    with pytest.raises(ClockOffsetError, match="number of seconds"):
        build(settings(tmp_path, CLOCK_OFFSET_FILE=str(offset)))
