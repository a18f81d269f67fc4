"""Audit log: records (leaves), their erasable personal data, subtree hashes, signed tree heads, log
keys; the role `audit_writer` the service works as, and triggers that keep the log append-only.

Roles belong to the whole PostgreSQL cluster, so creating `audit_writer` tolerates an existing one
(several audit databases in one cluster share it). The migrating user must be a superuser or have
CREATEROLE; when it is not a superuser it grants itself the role so that the service (logging in
as the same user) can `SET ROLE audit_writer`.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TS = sa.DateTime(timezone=True)
APPEND_ONLY = ("records", "tree_nodes", "tree_heads")
ERASABLE = ("patient_id", "actor_id", "rpps", "on_behalf_of", "display_name", "resource_id",
            "resource_label", "justification", "salt", "erased_at", "erased_by_leaf")
PERSONAL = ERASABLE[:8]


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("appended_at", TS, nullable=False),
        sa.Column("actor_type", sa.String(length=32), nullable=False),
        sa.Column("profession_code", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("activity_group", sa.String(length=32), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("access_mode", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("personal_commitment", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_records")),
        sa.UniqueConstraint("record_id", name=op.f("uq_records_record_id")),
    )
    op.create_table(
        "record_personal_data",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("rpps", sa.String(length=20), nullable=True),
        sa.Column("on_behalf_of", sa.String(length=64), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("resource_id", sa.String(length=128), nullable=True),
        sa.Column("resource_label", sa.String(length=500), nullable=True),
        sa.Column("justification", sa.String(length=2000), nullable=True),
        sa.Column("salt", sa.LargeBinary(), nullable=True),
        sa.Column("erased_at", TS, nullable=True),
        sa.Column("erased_by_leaf", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["leaf_index"], ["records.leaf_index"],
                                name=op.f("fk_record_personal_data_leaf_index_records")),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_record_personal_data")),
    )
    op.create_index("ix_record_personal_data_patient", "record_personal_data",
                    ["patient_id", "occurred_at", "leaf_index"])
    op.create_index("ix_record_personal_data_actor", "record_personal_data",
                    ["actor_id", "occurred_at", "leaf_index"])
    op.create_index("ix_record_personal_data_time", "record_personal_data", ["occurred_at", "leaf_index"])
    op.create_table(
        "tree_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_tree_nodes")),
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_tree_heads")),
    )
    op.create_table(
        "log_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", TS, nullable=False),
        sa.Column("not_after", TS, nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_log_keys")),
    )

    # Defence in depth: even the tables' owner cannot change or remove a leaf, a node or a head.
    op.execute("""
        CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END $$""")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()")
    # Personal data: the only change allowed is an erasure (every personal column and the salt to
    # NULL, erased_at and erased_by_leaf set, once); rows are never deleted.
    cleared = " AND ".join(f"NEW.{c} IS NULL" for c in (*PERSONAL, "salt"))
    op.execute(f"""
        CREATE FUNCTION audit_personal_data_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND NEW.erased_by_leaf IS NOT NULL
                   AND NEW.leaf_index = OLD.leaf_index AND NEW.occurred_at = OLD.occurred_at
                   AND {cleared} THEN
                    RETURN NEW;
                END IF;
            END IF;
            RAISE EXCEPTION 'audit personal data can only be erased: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END $$""")
    op.execute("CREATE TRIGGER record_personal_data_erase_only BEFORE UPDATE OR DELETE ON record_personal_data "
               "FOR EACH ROW EXECUTE FUNCTION audit_personal_data_erase_only()")
    op.execute("CREATE TRIGGER record_personal_data_no_truncate BEFORE TRUNCATE ON record_personal_data "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_personal_data_erase_only()")

    # The role the service works as: append and read, erase personal data, retire keys; nothing else.
    op.execute("""
        DO $$
        BEGIN
            CREATE ROLE audit_writer NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$""")
    op.execute("""
        DO $$
        BEGIN
            IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE format('GRANT audit_writer TO %I', current_user);
            END IF;
        END $$""")
    tables = (*APPEND_ONLY, "record_personal_data", "log_keys")
    op.execute(f"REVOKE ALL ON {', '.join(tables)} FROM PUBLIC")
    op.execute(f"REVOKE ALL ON {', '.join(tables)} FROM audit_writer")
    op.execute("GRANT USAGE ON SCHEMA public TO audit_writer")
    op.execute(f"GRANT SELECT, INSERT ON {', '.join(tables)} TO audit_writer")
    op.execute(f"GRANT UPDATE ({', '.join(ERASABLE)}) ON record_personal_data TO audit_writer")
    op.execute("GRANT UPDATE (not_after) ON log_keys TO audit_writer")


def downgrade() -> None:
    # The role stays: it belongs to the cluster, and other audit databases may use it.
    for table in ("log_keys", "tree_heads", "tree_nodes", "record_personal_data", "records"):
        op.drop_table(table)
    op.execute("DROP FUNCTION audit_personal_data_erase_only()")
    op.execute("DROP FUNCTION audit_refuse_change()")
