"""One stack for the exports integration tests: identity, notifications, audit, documents and
exports as real gRPC servers on port 0, a real PostgreSQL (a database each), a real S3 endpoint
(moto in server mode) holding documents' bytes and exports' archives, a real SMTP sink."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "documents"))     # documents' harness, extended here
sys.path.insert(0, str(HERE.parents[2] / "unit" / "documents"))

from exports_harness import ExportsStack  # noqa: E402
from documents_harness import start_moto  # noqa: E402
from devtools.smtp_sink import SmtpSink  # noqa: E402
from meskit.auth import generate_private_key_pem  # noqa: E402


@pytest.fixture(scope="session")
def stack(migrated_database, signing_key, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exports-stack")
    (tmp / "audit-log-key.pem").write_bytes(generate_private_key_pem())
    urls = {name: migrated_database(name) for name in ("identity", "notifications", "audit", "documents", "exports")}
    moto, s3_port = start_moto()
    smtp = SmtpSink(tmp / "mail")
    smtp.start()
    stack = ExportsStack(signing_key, tmp, urls, smtp.port, s3_port, "mes-exports-tests")
    stack.smtp = smtp
    try:
        for name in ("notifications", "audit", "identity", "documents", "exports"):
            stack.start(name)
        yield stack
    finally:
        stack.close()
        smtp.stop()
        moto.stop()
