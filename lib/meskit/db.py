"""SQLAlchemy 2 engines and sessions, one PostgreSQL database per service, Alembic migrations."""
from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.orm import Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s"}

Timestamp = sa.DateTime(timezone=True)
"""The one timestamp column type: always with the time zone (stored as UTC by PostgreSQL)."""

R = TypeVar("R")


def metadata() -> sa.MetaData:
    """A service's own MetaData, with the constraint names its migrations were written with."""
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """`pool_size` connections are kept open: one opened beyond them is closed when given back, and
    opening one costs PostgreSQL a new backend process (milliseconds of CPU), so it is sized for the
    RPCs a service runs at once (its server's threads are busy together under load)."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                           connect_args={"connect_timeout": 5})
    sa.event.listen(engine, "checkout", _replace_if_dead)
    return engine


def ended_by_server(dbapi_connection) -> bool:
    """Instead of a round trip to the server: an idle connection has nothing to read, unless its
    server side ended it (a terminated backend or a restart: the server says FATAL and closes)."""
    return bool(dbapi_connection.closed or select.select([dbapi_connection.fileno()], [], [], 0)[0])


def _replace_if_dead(dbapi_connection, _record, _proxy) -> None:
    """Instead of pool_pre_ping's round trip at every checkout: a connection the server ended while
    idle is dropped and the pool opens another."""
    if ended_by_server(dbapi_connection):
        raise sa.exc.DisconnectionError("connection closed by the server while idle")


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def unit_of_work(engine_or_session_factory: Engine | sessionmaker,
                 make_repository: Callable[[Session], R]) -> Callable[[], AbstractContextManager[R]]:
    """`with unit_of_work() as repository:` one transaction, committed on exit, rolled back on error."""
    session_factory = (make_session_factory(engine_or_session_factory)
                       if isinstance(engine_or_session_factory, Engine) else engine_or_session_factory)

    @contextmanager
    def transaction() -> Iterator[R]:
        with session_factory.begin() as session:
            yield make_repository(session)
    return transaction


def reader(engine: Engine, make_repository: Callable[[Any], R]) -> Callable[[], AbstractContextManager[R]]:
    """`with read() as repository:` reads of one statement each, outside a transaction (autocommit:
    no BEGIN and COMMIT round trips, each statement its own snapshot); never for writes, nor for reads
    that must agree. The repository gets the pool's connection itself, switched to autocommit for the
    block (no SQLAlchemy Connection to build, nor isolation level to set and reset: tens of µs a
    read): only `Query` runs on it."""

    @contextmanager
    def read() -> Iterator[R]:
        pooled = engine.raw_connection()
        driver: Any = pooled.driver_connection
        try:
            driver.autocommit = True
            yield make_repository(pooled)
        finally:
            if driver.closed or driver.broken:
                pooled.invalidate()      # lost while reading: the pool opens another
            else:
                driver.autocommit = False
                pooled.close()
    return read


class Query:
    """A Core SELECT compiled once for PostgreSQL and run straight through psycopg, which prepares
    it after a few runs: for hot reads, where SQLAlchemy's work per call (building the statement,
    its cache key, an execution context, the result) costs more than the query. Its columns must
    need no conversion from what psycopg returns (text, numbers, dates, timestamps)."""

    def __init__(self, statement: sa.Select):
        compiled = statement.compile(dialect=_POSTGRESQL)
        self.sql = str(compiled)
        self._defaults = dict(compiled.params)      # the values written in the statement
        self._names = tuple(str(column.key) for column in statement.selected_columns)

    def first(self, executor: Session | Connection | PoolProxiedConnection, **params: Any) -> dict[str, Any] | None:
        """The first row as a dict of column names, or None; inside `executor`'s transaction if any
        (a Session's, a Connection's, or none on a reader's pooled connection)."""
        row = self._cursor(executor, params).fetchone()
        return None if row is None else dict(zip(self._names, row))

    def all(self, executor: Session | Connection | PoolProxiedConnection, **params: Any) -> list[dict[str, Any]]:
        """Every row, each as a dict of column names (as `first`)."""
        names = self._names
        return [dict(zip(names, row)) for row in self._cursor(executor, params).fetchall()]

    def _cursor(self, executor: Session | Connection | PoolProxiedConnection, params: dict[str, Any]) -> Any:
        if isinstance(executor, Session):
            executor = executor.connection()
        pooled = executor.connection if isinstance(executor, Connection) else executor
        driver: Any = pooled.driver_connection
        return driver.execute(self.sql, {**self._defaults, **params})


_POSTGRESQL = psycopg_dialect.dialect()


def ping(engine: Engine) -> bool:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True


def ensure_database(url: str) -> None:
    """Create the database named in `url` if it does not exist (local runs and tests only)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": target.database}).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def migrate(url: str, versions_dir: Path, revision: str = "head") -> None:
    """Upgrade the database to `revision` with the service's own migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    config.set_main_option("version_locations", str(versions_dir))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = url
    command.upgrade(config, revision)
