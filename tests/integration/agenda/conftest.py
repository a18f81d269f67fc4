"""One stack for the agenda integration tests: identity, notifications, audit and agenda as real gRPC
servers on port 0 over a real PostgreSQL (a database each). Built on the documents harness (its
people, tokens, audit and bell helpers); agenda's clock moves through its CLOCK_OFFSET_FILE."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "documents"))

from agenda_harness import AgendaStack  # noqa: E402
from devtools.smtp_sink import SmtpSink  # noqa: E402
from meskit.auth import generate_private_key_pem  # noqa: E402


@pytest.fixture(scope="session")
def astack(migrated_database, signing_key, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("agenda-stack")
    (tmp / "audit-log-key.pem").write_bytes(generate_private_key_pem())
    urls = {name: migrated_database(name) for name in ("identity", "notifications", "audit", "agenda")}
    smtp = SmtpSink(tmp / "mail")
    smtp.start()
    stack = AgendaStack(signing_key, tmp, urls, smtp.port, 0, "")
    stack.set_clock(None)
    try:
        for name in ("notifications", "audit", "identity", "agenda"):    # each after those it calls
            stack.start(name)
        yield stack
    finally:
        stack.close()
        smtp.stop()


@pytest.fixture
def clock(astack):
    """Moves agenda's clock for one test, then gives it back the real time."""
    yield astack.set_clock
    astack.set_clock(None)
