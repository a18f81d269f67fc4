"""One stack for the messaging integration tests: identity, notifications, audit, documents and messaging as
real gRPC servers on port 0, a real PostgreSQL (a database each), a real S3 endpoint (moto in
server mode). Built on the documents harness (its people, tokens, audit and bell helpers)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "documents"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "documents"))

from messaging_harness import MessagingStack  # noqa: E402
from documents_harness import start_moto  # noqa: E402
from devtools.smtp_sink import SmtpSink  # noqa: E402
from meskit.auth import generate_private_key_pem  # noqa: E402


@pytest.fixture(scope="session")
def mstack(migrated_database, signing_key, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("messaging-stack")
    (tmp / "audit-log-key.pem").write_bytes(generate_private_key_pem())
    urls = {name: migrated_database(name) for name in ("identity", "notifications", "audit", "documents", "messaging")}
    moto, s3_port = start_moto()
    smtp = SmtpSink(tmp / "mail")
    smtp.start()
    stack = MessagingStack(signing_key, tmp, urls, smtp.port, s3_port, "mes-messaging-tests")
    try:
        for name in ("notifications", "audit", "identity", "documents", "messaging"):   # each after those it calls
            stack.start(name)
        yield stack
    finally:
        stack.close()
        smtp.stop()
        moto.stop()


@pytest.fixture(scope="module")
def bridge(mstack, tmp_path_factory):
    """A messaging replica with the MSSanté bridge (SMTP listener, outbound sender) on the stack."""
    from mssante_harness import start_bridge
    started = start_bridge(mstack, tmp_path_factory.mktemp("mssante"))
    try:
        yield started
    finally:
        started.stop()
