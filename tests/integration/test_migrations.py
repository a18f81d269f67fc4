"""Every service's migrations apply to an empty database and build exactly the tables its code declares."""
from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from devtools.services import grpc_services
from meskit import db

SERVICES = grpc_services()


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_apply_to_an_empty_database_twice(service, new_database):
    url = new_database(f"mig_{service}")
    versions = importlib.import_module(f"{service}.wiring").VERSIONS_DIR
    db.migrate(url, versions)
    db.migrate(url, versions)  # idempotent: a second upgrade (a Job re-run) changes nothing
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()


@pytest.mark.parametrize("service", ["identity", "documents", "notifications", "messaging", "agenda"])   # audit: with its roles, apart
def test_the_migrations_build_exactly_the_tables_the_code_declares(service, new_database):
    metadata = importlib.import_module(f"{service}.adapters.tables").metadata
    url = new_database(f"mig_{service}_drift")
    db.migrate(url, importlib.import_module(f"{service}.wiring").VERSIONS_DIR)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        partitions = set(connection.execute(sa.text("SELECT relname FROM pg_class WHERE relispartition")).scalars())
        declared = MigrationContext.configure(connection, opts={"include_object": lambda _, name, kind, *__: not (
            kind == "table" and name in partitions)})     # a partitioned table's parts are the migrations' detail
        differences = compare_metadata(declared, metadata)
    engine.dispose()
    assert differences == []
