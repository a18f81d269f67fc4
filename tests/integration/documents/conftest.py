"""One stack for the documents integration tests: identity, notifications, audit and documents as
real gRPC servers on free ports, a real PostgreSQL (a database each), a real S3 endpoint (moto in
server mode). Tests isolate themselves with their own patients and professionals."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The sample files (one real file per accepted format) are shared with the unit tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "documents"))

from documents_harness import Stack, start_moto
from devtools.ports import free_port
from devtools.smtp_sink import SmtpSink
from meskit import db
from meskit.auth import generate_private_key_pem


@pytest.fixture(scope="session")
def stack(new_database, signing_key, tmp_path_factory):
    from audit.wiring import VERSIONS_DIR as AUDIT
    from documents.wiring import VERSIONS_DIR as DOCUMENTS
    from identity.wiring import VERSIONS_DIR as IDENTITY
    from notifications.wiring import VERSIONS_DIR as NOTIFICATIONS
    tmp = tmp_path_factory.mktemp("documents-stack")
    (tmp / "audit-log-key.pem").write_bytes(generate_private_key_pem())
    urls = {}
    for name, versions in (("identity", IDENTITY), ("notifications", NOTIFICATIONS), ("audit", AUDIT),
                           ("documents", DOCUMENTS)):
        urls[name] = new_database(f"docs_{name}")
        db.migrate(urls[name], versions)
    moto, s3_port = start_moto()
    ports = {name: free_port() for name in ("identity", "notifications", "audit", "documents", "smtp")}
    smtp = SmtpSink(tmp / "mail", ports["smtp"])
    smtp.start()
    stack = Stack(signing_key, tmp, urls, ports, s3_port, "mes-documents-tests")
    try:
        for name in ("identity", "notifications", "audit", "documents"):
            stack.start(name)
        yield stack
    finally:
        stack.close()
        smtp.stop()
        moto.stop()
