"""SQLAlchemy 2 engines and sessions, one PostgreSQL database per service, Alembic migrations."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
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


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         pool_recycle=1800, connect_args={"connect_timeout": 5})


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


def single_reads(engine: Engine, make_repository: Callable[[Any], R]) -> Callable[[], AbstractContextManager[R]]:
    """`with single_reads() as repository:` for a read of one statement (a hot path): a connection in
    autocommit, so no BEGIN and COMMIT around it; never for writes, nor for reads that must agree.
    The repository is given the Connection (its execute is the Session's)."""
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def read() -> Iterator[R]:
        with autocommit.connect() as connection:
            yield make_repository(connection)
    return read


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
