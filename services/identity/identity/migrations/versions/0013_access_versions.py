"""Identity: `access_versions`, the version of each person's rows that an access context is read
from, so that a service may keep a context while it holds (GetAccessContext known_version).

Triggers bump it in the transaction of every change, whatever code makes it: a patient's account,
access settings, blocks, care team and the delegations she gives; a professional's record and
login; an account's or professional's credentials. Values come from one sequence, so that a
version never repeats (not even after its row is deleted and written again).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"

# table -> the column naming whose version a change of its rows bumps
SUBJECT_COLUMNS = {"accounts": "account_id", "access_settings": "patient_id", "blocked_professionals": "patient_id",
                   "care_team_members": "patient_id", "delegations": "delegator_id",
                   "professionals": "professional_id", "credentials": "subject_id"}


def upgrade() -> None:
    op.create_table(
        "access_versions",
        sa.Column("subject_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("CREATE SEQUENCE access_version_seq")
    op.execute("""
        CREATE FUNCTION access_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            subject text;
        BEGIN
            FOREACH subject IN ARRAY ARRAY[
                    CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ->> TG_ARGV[0] END,
                    CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ->> TG_ARGV[0] END] LOOP
                IF subject IS NOT NULL THEN
                    INSERT INTO access_versions (subject_id, version) VALUES (subject, nextval('access_version_seq'))
                    ON CONFLICT (subject_id) DO UPDATE SET version = EXCLUDED.version;
                END IF;
            END LOOP;
            RETURN NULL;
        END $$""")
    for table, column in SUBJECT_COLUMNS.items():
        op.execute(f"CREATE TRIGGER {table}_access_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION access_version_bump('{column}')")


def downgrade() -> None:
    for table in SUBJECT_COLUMNS:
        op.execute(f"DROP TRIGGER {table}_access_version ON {table}")
    op.execute("DROP FUNCTION access_version_bump()")
    op.execute("DROP SEQUENCE access_version_seq")
    op.drop_table("access_versions")
