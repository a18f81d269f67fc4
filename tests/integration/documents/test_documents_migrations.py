"""documents' migrations build exactly the tables its code declares."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from meskit import db


def test_documents_tables_match_migrations(new_database):
    from documents.adapters.tables import metadata
    from documents.wiring import VERSIONS_DIR
    url = new_database("mig_documents_drift")
    db.migrate(url, VERSIONS_DIR)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
