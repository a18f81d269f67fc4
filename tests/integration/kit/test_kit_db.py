"""Databases of the kit on a real PostgreSQL: creation, readiness ping, Alembic migrations."""
from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from meskit import db

MIGRATION = '''"""{doc}

Revision ID: {revision}
"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down}


def upgrade() -> None:
    {upgrade}


def downgrade() -> None:
    pass
'''


def write_migration(folder, revision: str, down: str | None, upgrade: str) -> None:
    (folder / f"{revision}_step.py").write_text(MIGRATION.format(
        doc=f"step {revision}", revision=revision, down=repr(down), upgrade=upgrade))


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def version(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


class TestMigrate:
    def test_upgrades_to_head_with_the_services_own_versions(self, new_database, tmp_path):
        url = new_database("migrate")
        write_migration(tmp_path, "0001", None,
                        "from meskit.outbox import outbox_columns\n    op.create_table('outbox', *outbox_columns())")
        db.migrate(url, tmp_path)
        assert "outbox" in tables(url) and version(url) == "0001"

        db.migrate(url, tmp_path)  # nothing left to do: a restart does not fail
        assert version(url) == "0001"

        write_migration(tmp_path, "0002", "0001", "op.create_table('widget', sa.Column('id', sa.Integer, primary_key=True))")
        db.migrate(url, tmp_path)
        assert {"outbox", "widget"} <= tables(url) and version(url) == "0002"

    def test_a_failing_migration_leaves_the_database_at_the_previous_revision(self, new_database, tmp_path):
        url = new_database("migrate")
        write_migration(tmp_path, "0001", None, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
        write_migration(tmp_path, "0002", "0001",
                        "op.create_table('b', sa.Column('id', sa.Integer, primary_key=True))\n"
                        "    op.execute('SELECT * FROM no_such_table')")
        with pytest.raises(sa.exc.ProgrammingError):
            db.migrate(url, tmp_path)
        assert version(url) == "0001"
        assert "b" not in tables(url)


class TestDatabase:
    def test_ensure_database_is_idempotent(self, postgres, new_database):
        url = new_database("ensure")
        db.ensure_database(url)
        engine = db.make_engine(url)
        try:
            assert db.ping(engine) is True
        finally:
            engine.dispose()

    def test_ping_fails_when_the_database_does_not_exist(self, new_database):
        engine = db.make_engine(new_database("ping").rsplit("/", 1)[0] + "/no_such_database")
        try:
            with pytest.raises(sa.exc.OperationalError):
                db.ping(engine)
        finally:
            engine.dispose()


PID = sa.func.pg_backend_pid().label("pid")


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


class TestBrokenConnections:
    """No round trip at checkout (no pool_pre_ping): a pooled connection the server ended while it
    was idle is replaced before use, so the next call does not fail."""

    @pytest.fixture
    def engine(self, new_database):
        engine = db.make_engine(new_database("broken"), pool_size=1)
        yield engine
        engine.dispose()

    def terminate(self, engine, pid: int) -> None:
        other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        try:
            with other.connect() as connection:
                assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
        finally:
            other.dispose()

    def test_a_terminated_backend_is_replaced_at_checkout(self, engine):
        pid = backend_pid(engine)
        self.terminate(engine, pid)
        with db.unit_of_work(engine, lambda session: session)() as session:
            assert session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != pid

    def test_so_is_the_readers_connection(self, engine):
        read, backend = db.reader(engine, lambda connection: connection), db.Query(sa.select(PID))
        with read() as connection:
            pid = backend.first(connection)["pid"]
        self.terminate(engine, pid)
        with read() as connection:
            assert backend.first(connection)["pid"] != pid

    def test_a_connection_lost_while_reading_is_not_given_back_to_the_pool(self, engine):
        read, backend = db.reader(engine, lambda connection: connection), db.Query(sa.select(PID))
        with pytest.raises(psycopg.OperationalError), read() as connection:
            pid = backend.first(connection)["pid"]
            db.Query(sa.select(sa.func.pg_terminate_backend(pid).label("done"))).first(connection)
        with read() as connection:
            assert backend.first(connection)["pid"] != pid


class TestReader:
    def test_reads_outside_a_transaction_and_leaves_the_pool_transactional(self, new_database):
        engine = db.make_engine(new_database("reader"), pool_size=1)
        try:
            own = db.Query(sa.select((sa.func.now() == sa.func.statement_timestamp()).label("own")))
            with db.reader(engine, lambda connection: connection)() as connection:   # each statement its own
                assert own.first(connection) == {"own": True} and own.first(connection) == {"own": True}
            with db.unit_of_work(engine, lambda session: session)() as session:   # one transaction
                session.execute(sa.text("SELECT 1"))
                assert not session.execute(sa.text("SELECT now() = statement_timestamp()")).scalar_one()
        finally:
            engine.dispose()


class TestQuery:
    """`db.Query`: a Core SELECT compiled once and run through psycopg, with the rows a Session gives."""

    def test_the_first_row_by_name_in_a_transaction_or_a_reader(self, new_database):
        engine = db.make_engine(new_database("query"), pool_size=1)
        metadata = db.metadata()
        table = sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("state", sa.String(8)), sa.Column("written_at", db.Timestamp))
        metadata.create_all(engine)
        query = db.Query(sa.select(table.c.id, table.c.written_at.label("at"))
                         .where(table.c.id == sa.bindparam("id"), table.c.state == "KEPT"))
        try:
            with db.unit_of_work(engine, lambda session: session)() as session:
                session.execute(table.insert().values(id=1, state="KEPT", written_at=sa.func.now()))
                session.execute(table.insert().values(id=2, state="GONE", written_at=sa.func.now()))
                seen = query.first(session, id=1)      # its own transaction's row, not yet committed
                assert seen is not None and set(seen) == {"id", "at"} and seen["at"].tzinfo is not None
            with db.reader(engine, lambda connection: connection)() as connection:
                assert query.first(connection, id=1) == seen
                assert query.first(connection, id=2) is None and query.first(connection, id=3) is None
        finally:
            engine.dispose()

    def test_every_row_in_its_order_with_a_set_as_an_array(self, new_database):
        engine = db.make_engine(new_database("query_all"), pool_size=1)
        metadata = db.metadata()
        table = sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("tag", sa.String(8)))
        metadata.create_all(engine)
        query = db.Query(sa.select(table.c.id).where(table.c.tag == sa.any_(sa.bindparam("tags", type_=ARRAY(sa.String))))
                         .order_by(table.c.id.desc()))
        try:
            with db.unit_of_work(engine, lambda session: session)() as session:
                session.execute(table.insert(), [{"id": 1, "tag": "a"}, {"id": 2, "tag": "b"}, {"id": 3, "tag": "c"}])
            with db.reader(engine, lambda connection: connection)() as connection:
                assert query.all(connection, tags=["a", "c"]) == [{"id": 3}, {"id": 1}]
                assert query.all(connection, tags=["z"]) == []
        finally:
            engine.dispose()


class TestUnitOfWork:
    """`db.unit_of_work(engine, make_repository)`: one transaction per `with`, committed or rolled back."""

    @pytest.fixture
    def notes(self, new_database):
        engine = db.make_engine(new_database("uow"), pool_size=2)
        metadata = db.metadata()
        table = sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("written_at", db.Timestamp, nullable=False, server_default=sa.func.now()))
        metadata.create_all(engine)
        yield engine, table
        engine.dispose()

    def test_commits_what_the_repository_wrote(self, notes):
        engine, table = notes
        unit_of_work = db.unit_of_work(engine, lambda session: session)
        with unit_of_work() as session:
            session.execute(table.insert().values(id=1))
        with unit_of_work() as session:
            row = session.execute(sa.select(table)).one()
        assert row.id == 1 and row.written_at.tzinfo is not None

    def test_rolls_back_when_the_block_raises(self, notes):
        engine, table = notes
        unit_of_work = db.unit_of_work(db.make_session_factory(engine), lambda session: session)
        with pytest.raises(RuntimeError), unit_of_work() as session:
            session.execute(table.insert().values(id=2))
            raise RuntimeError("refused")
        with unit_of_work() as session:
            assert session.execute(sa.select(table)).all() == []

    def test_yields_what_make_repository_builds_from_the_session(self, notes):
        engine, _ = notes
        with db.unit_of_work(engine, lambda session: ("repository", session))() as (name, session):
            assert name == "repository" and session.in_transaction()

    def test_metadata_names_constraints_as_the_migrations_do(self, new_database):
        engine = db.make_engine(new_database("naming"), pool_size=1)
        metadata = db.metadata()
        sa.Table("widgets", metadata, sa.Column("widget_id", sa.Integer, primary_key=True),
                 sa.Column("code", sa.String(8), unique=True), sa.Column("kind", sa.String(8), index=True))
        metadata.create_all(engine)
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("widgets")["name"] == "pk_widgets"
        assert [u["name"] for u in inspector.get_unique_constraints("widgets")] == ["uq_widgets_code"]
        assert "ix_widgets_kind" in {i["name"] for i in inspector.get_indexes("widgets")}
        engine.dispose()
