"""Append-only in the database itself, tables matching migrations, and the verifier command."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from mes.audit.v1 import audit_pb2 as pb

from audit_harness import record
from meskit import db

ROOT = Path(__file__).resolve().parents[3]


def refused(engine: sa.Engine, statement: str) -> str:
    """Run `statement`; return the error PostgreSQL answered (the test fails if it succeeds)."""
    with pytest.raises(sa.exc.DBAPIError) as raised:
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert isinstance(raised.value.orig, psycopg.errors.InsufficientPrivilege), raised.value.orig
    return str(raised.value.orig)


@pytest.fixture
def appended(audit):
    return audit.append(*[record(n) for n in range(20)])


class TestAppendOnlyInTheDatabase:
    def test_the_service_works_as_audit_writer(self, audit):
        with audit.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT current_user").scalar() == "audit_writer"

    @pytest.mark.parametrize("statement", [
        "UPDATE records SET rule = 'forged' WHERE leaf_index = 3",
        "DELETE FROM records WHERE leaf_index = 3",
        "TRUNCATE records",
        "UPDATE tree_heads SET tree_size = 0",
        "DELETE FROM tree_nodes",
        "DELETE FROM record_personal_data",
        "UPDATE record_personal_data SET leaf_index = 99 WHERE leaf_index = 3",
    ])
    def test_the_service_role_cannot_change_or_remove_what_was_appended(self, audit, appended, statement):
        assert "permission denied" in refused(audit.engine, statement)

    def test_the_service_role_may_only_erase_personal_data_not_alter_them(self, audit, appended):
        message = refused(audit.engine, "UPDATE record_personal_data SET patient_id = 'someone-else' WHERE leaf_index = 3")
        assert "can only be erased" in message

    @pytest.mark.parametrize("statement", [
        "UPDATE records SET rule = 'forged' WHERE leaf_index = 3",
        "DELETE FROM records WHERE leaf_index = 3",
        "TRUNCATE records CASCADE",
        "DELETE FROM tree_heads",
    ])
    def test_even_the_owner_is_stopped_by_the_triggers(self, audit, appended, statement):
        audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        assert "append-only" in refused(audit.superuser(), statement)


class TestMigrations:
    def test_tables_match_the_migrations(self, audit_db):
        from audit.adapters.tables import metadata
        engine = sa.create_engine(audit_db)
        with engine.connect() as connection:
            partitions = set(connection.exec_driver_sql("SELECT relname FROM pg_class WHERE relispartition").scalars())
            context = MigrationContext.configure(connection, opts={
                "include_name": lambda name, kind, _parent: not (kind in ("table", "index") and name in partitions),
                # a key referencing a partitioned table is also a key to each partition
                "include_object": lambda item, _name, kind, _reflected, _other: not (
                    kind == "foreign_key_constraint" and item.referred_table.name in partitions)})
            differences = compare_metadata(context, metadata)
        engine.dispose()
        assert partitions and differences == []

    def test_a_second_audit_database_in_the_same_cluster_migrates_too(self, new_database):
        from audit.wiring import VERSIONS_DIR
        url = new_database("audit_second")
        db.migrate(url, VERSIONS_DIR)     # the cluster-wide role exists already
        db.migrate(url, VERSIONS_DIR)


def tamper(audit, statement: str) -> None:
    """What a database superuser can still do: switch triggers off for the session and rewrite."""
    with audit.superuser().begin() as connection:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.exec_driver_sql(statement)


class TestVerifier:
    def test_a_sound_log_verifies(self, audit, appended):
        from audit.verify import verify_database
        audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        audit.append(record(20))
        report = verify_database(audit.database_url)
        assert report.ok, report.line()
        assert (report.records, report.heads, report.nodes) == (21, 1, 1)

    def test_a_row_changed_by_a_superuser_is_named(self, audit, appended):
        from audit.verify import verify_database
        tamper(audit, "UPDATE records SET decision = 'DENIED' WHERE leaf_index = 7")
        report = verify_database(audit.database_url)
        assert (report.ok, report.leaf_index, report.record_id) == (False, 7, appended[7].record_id)

    def test_changed_personal_data_are_named(self, audit, appended):
        from audit.verify import verify_database
        tamper(audit, "UPDATE record_personal_data SET actor_id = 'pro-innocent' WHERE leaf_index = 11")
        report = verify_database(audit.database_url)
        assert (report.ok, report.leaf_index) == (False, 11)

    def test_a_deleted_row_is_named_by_its_leaf_index(self, audit, appended):
        from audit.verify import verify_database
        tamper(audit, "DELETE FROM record_personal_data WHERE leaf_index = 4")
        tamper(audit, "DELETE FROM records WHERE leaf_index = 4")
        report = verify_database(audit.database_url)
        assert (report.ok, report.leaf_index) == (False, 4)

    def test_the_command_exits_0_with_a_summary_then_1_naming_the_bad_record(self, audit, appended):
        audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "services/audit")),
               "SERVICE_NAME": "audit", "DATABASE_URL": audit.database_url, "JWKS_FILE": audit.settings.jwks_file,
               "AUDIT_SIGNING_KEY_FILE": audit.settings.signing_key_file, "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "audit", "verify"]
        good = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert good.returncode == 0, good.stderr
        assert good.stdout.startswith("audit log verified: 20 records")
        tamper(audit, "UPDATE records SET rule = 'forged' WHERE leaf_index = 13")
        bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert bad.returncode == 1
        assert f"leaf 13 record {appended[13].record_id}" in bad.stdout

    def test_pinned_keys_must_have_signed_the_heads(self, audit, appended, tmp_path):
        from meskit.auth import generate_private_key_pem
        from audit.adapters.keys import load_public_key
        from audit.verify import verify_database
        audit.stub.GetSignedTreeHead(pb.GetSignedTreeHeadRequest(), metadata=audit.service)
        own = load_public_key(Path(audit.settings.signing_key_file).read_bytes())
        other = load_public_key(generate_private_key_pem())
        assert verify_database(audit.database_url, [own]).ok
        report = verify_database(audit.database_url, [other])
        assert not report.ok and "signature" in report.problem
