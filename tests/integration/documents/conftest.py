"""One stack for the documents integration tests: identity, notifications, audit and documents as
real gRPC servers on port 0, a real PostgreSQL (a database each), a real S3 endpoint (moto in
server mode). Tests isolate themselves with their own patients and professionals."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The sample files (one real file per accepted format) are shared with the unit tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "documents"))

from documents_harness import Stack, start_moto
from devtools.smtp_sink import SmtpSink
from meskit.auth import generate_private_key_pem


@pytest.fixture(scope="session")
def stack(migrated_database, signing_key, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("documents-stack")
    (tmp / "audit-log-key.pem").write_bytes(generate_private_key_pem())
    urls = {name: migrated_database(name) for name in ("identity", "notifications", "audit", "documents")}
    moto, s3_port = start_moto()
    smtp = SmtpSink(tmp / "mail")
    smtp.start()
    stack = Stack(signing_key, tmp, urls, smtp.port, s3_port, "mes-documents-tests")
    try:
        for name in ("notifications", "audit", "identity", "documents"):    # each after those it calls
            stack.start(name)
        yield stack
    finally:
        stack.close()
        smtp.stop()
        moto.stop()
