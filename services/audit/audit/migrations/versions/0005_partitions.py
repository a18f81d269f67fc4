"""The log's two big tables partitioned by leaf index, i.e. by time of append: `records` and
`record_personal_data`, in ranges of 2**24 leaves with the same bounds (a record and its personal
data in partitions of the same range). Every query of the tree (leaves by index, the tree size,
ranges of leaves) reads one partition; only the last one is ever written, the others stay as they
were (vacuumed once, backed up once). Erasure updates a row in place, its leaf index never changes,
so it never moves between partitions (patient-hash partitions would have moved it, the patient id
being what erasure clears). A patient's history reads her index (patient, date) in each partition.

A unique key of a partitioned table must hold the partition key, so the record id's uniqueness moves
to `record_ids` (record id, leaf index), unpartitioned and narrow: an id appended twice is refused
there, as it was by `records`. `log_partitions` lists the ranges; `audit_extend_log(leaf)` (owner's
rights, granted to audit_writer only) adds the next range while the log is filling its last one, so
the service never needs DDL rights. Existing rows are copied into the new tables.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

LEAVES_PER_PARTITION = 1 << 24
ERASABLE = ("patient_id", "actor_id", "rpps", "on_behalf_of", "display_name", "resource_id",
            "resource_label", "justification", "salt", "erased_at", "erased_by_leaf")
RECORD_COLUMNS = """
    leaf_index bigint NOT NULL, record_id uuid NOT NULL, occurred_at timestamptz NOT NULL,
    appended_at timestamptz NOT NULL, actor_type varchar(32) NOT NULL, profession_code varchar(16) NOT NULL,
    action varchar(32) NOT NULL, activity_group varchar(32) NOT NULL, resource_type varchar(64) NOT NULL,
    decision varchar(16) NOT NULL, rule varchar(128) NOT NULL, access_mode varchar(32) NOT NULL,
    service varchar(64) NOT NULL, request_id varchar(128) NOT NULL, personal_commitment bytea NOT NULL,
    leaf_hash bytea NOT NULL, matrix_version varchar(64) DEFAULT '' NOT NULL"""
PERSONAL_COLUMNS = """
    leaf_index bigint NOT NULL, occurred_at timestamptz NOT NULL, patient_id varchar(64), actor_id varchar(64),
    rpps varchar(20), on_behalf_of varchar(64), display_name varchar(200), resource_id varchar(128),
    resource_label varchar(500), justification varchar(2000), salt bytea, erased_at timestamptz,
    erased_by_leaf bigint"""


def upgrade() -> None:
    op.execute("ALTER TABLE record_personal_data RENAME TO record_personal_data_unpartitioned")
    op.execute("ALTER TABLE records RENAME TO records_unpartitioned")
    for old in ("pk_records", "uq_records_record_id"):
        op.execute(f"ALTER TABLE records_unpartitioned RENAME CONSTRAINT {old} TO {old}_unpartitioned")
    op.execute("ALTER TABLE record_personal_data_unpartitioned RENAME CONSTRAINT pk_record_personal_data "
               "TO pk_record_personal_data_unpartitioned")
    for index in ("patient", "actor", "time"):
        op.execute(f"ALTER INDEX ix_record_personal_data_{index} RENAME TO ix_record_personal_data_{index}_unpartitioned")

    op.execute(f"CREATE TABLE records ({RECORD_COLUMNS}, CONSTRAINT pk_records PRIMARY KEY (leaf_index)) "
               "PARTITION BY RANGE (leaf_index)")
    op.execute("CREATE INDEX ix_records_record_id ON records (record_id)")
    op.execute(f"CREATE TABLE record_personal_data ({PERSONAL_COLUMNS}, "
               "CONSTRAINT pk_record_personal_data PRIMARY KEY (leaf_index), "
               "CONSTRAINT fk_record_personal_data_leaf_index_records FOREIGN KEY (leaf_index) "
               "REFERENCES records (leaf_index)) PARTITION BY RANGE (leaf_index)")
    op.execute("CREATE INDEX ix_record_personal_data_patient ON record_personal_data (patient_id, occurred_at, leaf_index)")
    op.execute("CREATE INDEX ix_record_personal_data_actor ON record_personal_data (actor_id, occurred_at, leaf_index)")
    op.execute("CREATE INDEX ix_record_personal_data_time ON record_personal_data (occurred_at, leaf_index)")
    op.execute("CREATE TABLE record_ids (record_id uuid NOT NULL, leaf_index bigint NOT NULL, "
               "CONSTRAINT pk_record_ids PRIMARY KEY (record_id))")
    op.execute("CREATE TABLE log_partitions (first_leaf bigint NOT NULL, end_leaf bigint NOT NULL, "
               "CONSTRAINT pk_log_partitions PRIMARY KEY (first_leaf))")

    # The same defence as migration 0002, on the new tables and on each partition (a TRUNCATE of a
    # partition would not fire its parent's statement trigger).
    for table in ("records", "record_ids"):
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()")
    op.execute("CREATE TRIGGER record_personal_data_erase_only BEFORE UPDATE OR DELETE ON record_personal_data "
               "FOR EACH ROW EXECUTE FUNCTION audit_personal_data_erase_only()")
    op.execute("CREATE TRIGGER record_personal_data_no_truncate BEFORE TRUNCATE ON record_personal_data "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_personal_data_erase_only()")
    op.execute("""
        CREATE FUNCTION audit_add_log_partition(first bigint, width bigint) RETURNS void
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
            EXECUTE format('CREATE TABLE records_%s PARTITION OF records FOR VALUES FROM (%s) TO (%s)',
                           first, first, first + width);
            EXECUTE format('CREATE TABLE record_personal_data_%s PARTITION OF record_personal_data '
                           'FOR VALUES FROM (%s) TO (%s)', first, first, first + width);
            EXECUTE format('CREATE TRIGGER records_%s_no_truncate BEFORE TRUNCATE ON records_%s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', first, first);
            EXECUTE format('CREATE TRIGGER record_personal_data_%s_no_truncate BEFORE TRUNCATE ON '
                           'record_personal_data_%s FOR EACH STATEMENT EXECUTE FUNCTION '
                           'audit_personal_data_erase_only()', first, first);
            INSERT INTO log_partitions (first_leaf, end_leaf) VALUES (first, first + width);
        END $$""")
    op.execute("""
        CREATE FUNCTION audit_extend_log(upto bigint) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            last log_partitions;
        BEGIN
            -- callers hold the log's append lock: one at a time
            LOOP
                SELECT * INTO last FROM log_partitions ORDER BY first_leaf DESC LIMIT 1;
                EXIT WHEN last.first_leaf > upto;
                PERFORM audit_add_log_partition(last.end_leaf, last.end_leaf - last.first_leaf);
            END LOOP;
            RETURN last.first_leaf;
        END $$""")

    size = op.get_bind().execute(sa.text("SELECT coalesce(max(leaf_index) + 1, 0) FROM records_unpartitioned")).scalar()
    op.execute(f"SELECT audit_add_log_partition(0, {LEAVES_PER_PARTITION})")
    op.execute(f"SELECT audit_extend_log({size})")          # the range of the next leaf, and one after it
    columns = "leaf_index, record_id, occurred_at, appended_at, actor_type, profession_code, action, activity_group, " \
              "resource_type, decision, rule, access_mode, service, request_id, personal_commitment, leaf_hash, " \
              "matrix_version"
    op.execute(f"INSERT INTO records ({columns}) SELECT {columns} FROM records_unpartitioned ORDER BY leaf_index")
    op.execute("INSERT INTO record_ids (record_id, leaf_index) SELECT record_id, leaf_index FROM records_unpartitioned")
    op.execute("INSERT INTO record_personal_data SELECT * FROM record_personal_data_unpartitioned ORDER BY leaf_index")
    op.execute("DROP TABLE record_personal_data_unpartitioned")
    op.execute("DROP TABLE records_unpartitioned")

    tables = "records, record_personal_data, record_ids, log_partitions"
    op.execute(f"REVOKE ALL ON {tables} FROM PUBLIC")
    op.execute("GRANT SELECT, INSERT ON records, record_personal_data, record_ids TO audit_writer")
    op.execute("GRANT SELECT ON log_partitions TO audit_writer")
    op.execute(f"GRANT UPDATE ({', '.join(ERASABLE)}) ON record_personal_data TO audit_writer")
    op.execute("REVOKE ALL ON FUNCTION audit_extend_log(bigint), audit_add_log_partition(bigint, bigint) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION audit_extend_log(bigint) TO audit_writer")


def downgrade() -> None:
    raise NotImplementedError("the partitioned log is not turned back into single tables")
