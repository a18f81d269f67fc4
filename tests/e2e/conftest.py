"""The whole platform as processes (PostgreSQL, SMTP sink, six services, gateway), once per run."""
from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from devtools.demo import seed
from devtools.platform import LocalPlatform

sys.path.insert(0, str(Path(__file__).parent))
from demo_login import activate_and_login  # noqa: E402


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    with LocalPlatform(tmp_path_factory.mktemp("platform")) as running:
        running.demo = seed(running.address("identity"), running.key_file, running.var_dir / "demo.json")
        yield running


@pytest.fixture(scope="session")
def patient_session(platform):
    """(session, account) of the demo patient, activated and logged in through the gateway."""
    return activate_and_login(platform.gateway_url, platform.mail_dir, platform.demo["patient"])


@pytest.fixture
def gateway(platform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        yield client
