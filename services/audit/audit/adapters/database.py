"""The service's engine: every connection works as `audit_writer`, whatever user logs in.

`SET ROLE` at session level, once per new connection (the pool keeps it: SQLAlchemy resets
connections with a ROLLBACK, which keeps a committed session setting). A login user that is not a
member of `audit_writer`, or a database not migrated yet, fails at connect: the service stays
NOT_SERVING rather than writing with more rights than it needs.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from meskit import db

from audit.adapters.tables import WRITER_ROLE


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    engine = db.make_engine(url, pool_size=pool_size)

    @event.listens_for(engine, "connect")
    def work_as_writer(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {WRITER_ROLE}")
        dbapi_connection.commit()

    return engine
