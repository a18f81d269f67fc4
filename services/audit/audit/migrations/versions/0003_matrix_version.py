"""Records carry the version of the access matrix their decision was taken with (empty for older
records and for services without a matrix). Adding a column with a constant default rewrites no
row, so the append-only triggers are not involved; audit_writer's table grants cover it.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("records", sa.Column("matrix_version", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("records", "matrix_version")
