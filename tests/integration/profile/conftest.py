"""One stack for the profile integration tests: identity, notifications, audit, documents (on a real S3
endpoint) and profile as real gRPC servers over a real PostgreSQL (a database each)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "documents"))

from profile_harness import ProfileStack  # noqa: E402
from documents_harness import start_moto  # noqa: E402
from devtools.smtp_sink import SmtpSink  # noqa: E402
from meskit.auth import generate_private_key_pem  # noqa: E402


@pytest.fixture(scope="session")
def pstack(migrated_database, signing_key, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("profile-stack")
    (tmp / "audit-log-key.pem").write_bytes(generate_private_key_pem())
    urls = {name: migrated_database(name) for name in ("identity", "notifications", "audit", "documents", "profile")}
    moto, s3_port = start_moto()
    smtp = SmtpSink(tmp / "mail")
    smtp.start()
    stack = ProfileStack(signing_key, tmp, urls, smtp.port, s3_port, "mes-profile-tests")
    try:
        for name in ("notifications", "audit", "identity", "documents", "profile"):    # each after those it calls
            stack.start(name)
        yield stack
    finally:
        stack.close()
        smtp.stop()
        moto.stop()
