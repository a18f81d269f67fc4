"""Identity: the catalogue of trusted apps (DOMAIN §9, §10.8). `apps` the referenced apps (their
purposes as JSON, only their client secret's hash); `app_connections` a space's connection to an
app (the consented purposes as they were consented, its status and re-approval deadline, the last
90-day reminder); `oauth_codes` the authorization codes (hashed, single-use); `app_token_families`
and `app_tokens` what an app holds for a space (access tokens by jti, refresh tokens by hash).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("app_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("publisher", sa.String(100), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False, server_default=""),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("regions", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("purposes", sa.JSON, nullable=False),
        sa.Column("purposes_version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("redirect_uris", sa.JSON, nullable=False),
        sa.Column("client_auth_method", sa.String(32), nullable=False),
        sa.Column("website_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("client_secret_hash", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_apps_catalogue_order", "apps", ["name", "app_id"])
    op.create_table(
        "app_connections",
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("accounts.account_id",
                                                             name="fk_app_connections_patient_id_accounts"),
                  primary_key=True),
        sa.Column("app_id", sa.String(36), sa.ForeignKey("apps.app_id", name="fk_app_connections_app_id_apps"),
                  primary_key=True),
        sa.Column("consented", sa.JSON, nullable=False),
        sa.Column("purposes_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("reapproval_deadline", TS),
        sa.Column("connected_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_reminded_at", TS),
    )
    op.create_index("ix_app_connections_app_id", "app_connections", ["app_id"])
    op.create_index("ix_app_connections_reapproval", "app_connections", ["reapproval_deadline"],
                    postgresql_where=sa.text("status = 'REAPPROVAL_REQUIRED'"))
    op.create_index("ix_app_connections_reminders", "app_connections", ["patient_id"],
                    postgresql_where=sa.text("status = 'ACTIVE'"))
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("redirect_uri", sa.String(500), nullable=False),
        sa.Column("scope", sa.String(2000), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("code_challenge_method", sa.String(8), nullable=False),
        sa.Column("family_id", sa.String(36), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
    )
    op.create_table(
        "app_token_families",
        sa.Column("family_id", sa.String(36), primary_key=True),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("scope", sa.String(2000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("revoked_reason", sa.String(32)),
    )
    op.create_index("ix_app_token_families_patient_id", "app_token_families", ["patient_id", "app_id"])
    op.create_table(
        "app_tokens",
        sa.Column("token_key", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("family_id", sa.String(36), sa.ForeignKey("app_token_families.family_id",
                                                            name="fk_app_tokens_family_id_app_token_families"),
                  nullable=False),
        sa.Column("scope", sa.String(2000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("rotated_at", TS),
        sa.Column("revoked_at", TS),
    )
    op.create_index("ix_app_tokens_family_id", "app_tokens", ["family_id"])


def downgrade() -> None:
    op.drop_index("ix_app_tokens_family_id", table_name="app_tokens")
    op.drop_table("app_tokens")
    op.drop_index("ix_app_token_families_patient_id", table_name="app_token_families")
    op.drop_table("app_token_families")
    op.drop_table("oauth_codes")
    op.drop_index("ix_app_connections_reminders", table_name="app_connections")
    op.drop_index("ix_app_connections_reapproval", table_name="app_connections")
    op.drop_index("ix_app_connections_app_id", table_name="app_connections")
    op.drop_table("app_connections")
    op.drop_index("ix_apps_catalogue_order", table_name="apps")
    op.drop_table("apps")
