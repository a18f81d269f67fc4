"""Identity's tables (SQLAlchemy Core). Only this service reads or writes them."""
from __future__ import annotations

import sqlalchemy as sa

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("account_id", sa.String(36), primary_key=True),
    sa.Column("nir", sa.String(15), nullable=False, unique=True),
    sa.Column("vitale_serial", sa.String(13), nullable=False),
    sa.Column("given_name", sa.String(100), nullable=False),
    sa.Column("family_name", sa.String(100), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("email", sa.String(254)),
    sa.Column("phone", sa.String(32)),
    sa.Column("postal_address", sa.String(500)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("legal_representative_account_id", sa.String(36), sa.ForeignKey("accounts.account_id")),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("activated_at", Timestamp),
    sa.Column("creation_due_at", Timestamp),   # PENDING: the space is created then
    sa.Index("ix_accounts_creation_due", "creation_due_at", postgresql_where=sa.text("status = 'PENDING'")),
)

# An opposition to the creation of the space (DOMAIN.md §4.1) and its proof, to give it again.
oppositions = sa.Table(
    "oppositions", metadata,
    sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),     # online | phone
    sa.Column("operator_id", sa.String(64)),
    sa.Column("recorded_at", Timestamp, nullable=False),
    sa.Column("reference", sa.String(36), nullable=False),
    sa.Column("proof_pdf", sa.LargeBinary, nullable=False),
)

provisional_codes = sa.Table(
    "provisional_codes", metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, index=True),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used_at", Timestamp),
)

professionals = sa.Table(
    "professionals", metadata,
    sa.Column("professional_id", sa.String(36), primary_key=True),
    sa.Column("rpps", sa.String(11), nullable=False, unique=True),
    sa.Column("profession_code", sa.String(4), nullable=False, index=True),
    sa.Column("given_name", sa.String(100), nullable=False),
    sa.Column("family_name", sa.String(100), nullable=False),
    sa.Column("specialty", sa.String(100), nullable=False, server_default=""),
    sa.Column("email", sa.String(254)),
    sa.Column("mssante_address", sa.String(254)),
    sa.Column("samu_regulator", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("occupational_medicine", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("insurer_doctor", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("city", sa.String(100), nullable=False, server_default=""),
    # The directory search's keys: lower case, no accents, words separated by one space (directory.search_key).
    sa.Column("family_key", sa.String(200), nullable=False, server_default=""),
    sa.Column("given_key", sa.String(200), nullable=False, server_default=""),
    sa.Column("city_key", sa.String(200), nullable=False, server_default="", index=True),
    sa.Index("ix_professionals_directory_order", "family_key", "given_key", "professional_id"),
)

# One login per person, patient or professional: login ids are unique across both.
credentials = sa.Table(
    "credentials", metadata,
    sa.Column("login_id", sa.String(64), primary_key=True),  # stored lower-cased
    sa.Column("display_login_id", sa.String(64), nullable=False),
    sa.Column("subject_type", sa.String(16), nullable=False),  # patient | professional
    sa.Column("subject_id", sa.String(36), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.now()),
)

# Failure counters for lockout (per login id, known or not) and rate limits (per client).
throttles = sa.Table(
    "throttles", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_started_at", Timestamp, nullable=False),
    sa.Column("locked_until", Timestamp),
)

login_challenges = sa.Table(
    "login_challenges", metadata,
    sa.Column("challenge_id", sa.String(36), primary_key=True),
    sa.Column("login_id", sa.String(64), nullable=False, index=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("consumed_at", Timestamp),
)

# A holder's pending change of email: the code sent to the new address, hashed.
email_changes = sa.Table(
    "email_changes", metadata,
    sa.Column("change_id", sa.String(36), primary_key=True),
    sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, index=True),
    sa.Column("new_email", sa.String(254), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("consumed_at", Timestamp),
)

refresh_tokens = sa.Table(
    "refresh_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("family_id", sa.String(36), nullable=False, index=True),
    sa.Column("subject_type", sa.String(16), nullable=False),
    sa.Column("subject_id", sa.String(36), nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("rotated_at", Timestamp),
    sa.Column("revoked_at", Timestamp),
)

# The patient's access settings (DOMAIN §3.1, §3.2, §2.4). No row means the defaults: emergency
# access on (ETREAT, BTG, MASKED), new documents visible.
access_settings = sa.Table(
    "access_settings", metadata,
    sa.Column("patient_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("samu_access", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("break_glass", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("masked_in_emergency", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("mask_new_documents_by_default", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.now()),
    # MASKED is forced off when ETREAT and BTG are both off.
    sa.CheckConstraint("NOT masked_in_emergency OR samu_access OR break_glass", name="masked_needs_emergency"),
)

blocked_professionals = sa.Table(
    "blocked_professionals", metadata,
    sa.Column("patient_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("professional_id", sa.String(36), sa.ForeignKey("professionals.professional_id"), primary_key=True),
    sa.Column("blocked_at", Timestamp, nullable=False, server_default=sa.func.now()),
    sa.Column("blocked_by_type", sa.String(16), nullable=False),   # patient | delegate | professional
    sa.Column("blocked_by_id", sa.String(36), nullable=False),
)

care_team_members = sa.Table(
    "care_team_members", metadata,
    sa.Column("patient_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("professional_id", sa.String(36), sa.ForeignKey("professionals.professional_id"), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False, server_default=""),   # "" or a CareTeamRole name
    sa.Column("administrator", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("since", Timestamp, nullable=False, server_default=sa.func.now()),
    # ADDED_BY_PATIENT | DECLARED_BY_PROFESSIONAL (DOMAIN §10.2)
    sa.Column("source", sa.String(32), nullable=False, server_default="ADDED_BY_PATIENT"),
)

# A patient's report of a suspicious access (SIGNALEMENT_PS): one per record of her activity history.
access_reports = sa.Table(
    "access_reports", metadata,
    sa.Column("report_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("professional_id", sa.String(36), nullable=False, index=True),
    sa.Column("rpps", sa.String(11), nullable=False, server_default=""),
    sa.Column("profession_code", sa.String(4), nullable=False, server_default=""),
    sa.Column("accessed_at", Timestamp, nullable=False),
    sa.Column("comment", sa.String(2000), nullable=False),
    sa.Column("professional_blocked", sa.Boolean, nullable=False),
    sa.Column("reported_by_type", sa.String(16), nullable=False),   # patient | delegate
    sa.Column("reported_by_id", sa.String(36), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, index=True),
    sa.UniqueConstraint("patient_id", "record_id"),
)

# A person acting for another (DOMAIN §3.3, §3.4, §10.5): a minor's legal representative or an adult's
# caregiver. A minor's first representative (the one the insurer knows) is the ACCEPTED row written at
# the account's creation. A PENDING row past expires_at reads as EXPIRED.
delegations = sa.Table(
    "delegations", metadata,
    sa.Column("delegation_id", sa.String(36), primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),          # LEGAL_REPRESENTATION | CAREGIVING
    sa.Column("delegator_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, index=True),
    sa.Column("delegate_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),         # PENDING | ACCEPTED | REFUSED | EXPIRED | REVOKED | ENDED
    sa.Column("invited_by_id", sa.String(36)),                 # empty for the insurer's representative
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp),                        # a pending invitation's deadline
    sa.Column("answered_at", Timestamp),
    sa.Column("ends_at", Timestamp),                           # a caregiving's optional end date
    sa.Column("ended_at", Timestamp),                          # revoked or expired
    sa.Column("ended_by_id", sa.String(36)),
    sa.Column("ended_reason", sa.String(16)),                  # REVOKED | END_DATE | MAJORITY | UNUSED | ACCOUNT_CLOSED
    sa.Column("last_used_at", Timestamp),                      # the delegate's last SwitchProfile to it
    sa.Column("end_reminded_at", Timestamp),                   # both told its end date is near
)

# Caregiving attestations (PDF "justificatif", DOMAIN §3.4) waiting for the documents service to
# save them in the helped person's documents (an outbox it drains: migration 0009).
attestations = sa.Table(
    "attestations", metadata,
    sa.Column("attestation_id", sa.String(36), primary_key=True),   # uuid5 of delegation, kind, occurred_at
    sa.Column("delegation_id", sa.String(36), nullable=False),
    sa.Column("patient_id", sa.String(36), nullable=False),         # the person helped
    sa.Column("kind", sa.String(16), nullable=False),               # ACCEPTED | ENDED
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),           # application/pdf; emptied once acknowledged
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("acknowledged_at", Timestamp),                        # saved by documents
    sa.Index("ix_attestations_pending", "occurred_at", "attestation_id",
             postgresql_where=sa.text("acknowledged_at IS NULL")),
)

# ---- A space's closure and deletion (DOMAIN §4.4; migration 0011) ----
# The closure in force of a closed space; erase_on when its holder asked for deletion.
closures = sa.Table(
    "closures", metadata,
    sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("closed_at", Timestamp, nullable=False),
    sa.Column("erase_on", Timestamp),
    sa.Index("ix_closures_erase_on", "erase_on", postgresql_where=sa.text("erase_on IS NOT NULL")),
    sa.Index("ix_closures_closed_at", "closed_at"),
)

# One deletion per space, under way until every participant reported (then identity's own erasure).
erasures = sa.Table(
    "erasures", metadata,
    sa.Column("erasure_id", sa.String(36), primary_key=True),       # uuid5 of the account id
    sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), nullable=False, unique=True),
    sa.Column("reason", sa.String(16), nullable=False),              # REQUESTED | RETENTION
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("completed_at", Timestamp),
    sa.Index("ix_erasures_open", "started_at", "erasure_id", postgresql_where=sa.text("completed_at IS NULL")),
)

# What each service reported it erased ({kind: count}); identity's own report too.
erasure_reports = sa.Table(
    "erasure_reports", metadata,
    sa.Column("erasure_id", sa.String(36), sa.ForeignKey("erasures.erasure_id"), primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("reported_at", Timestamp, nullable=False),
    sa.Column("erased", sa.JSON, nullable=False),
)

# An operator's suspension in force: the space closes by itself at closes_on unless she objected.
suspensions = sa.Table(
    "suspensions", metadata,
    sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("previous_status", sa.String(16), nullable=False),     # ACTIVE | CREATED: given back when lifted
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("suspended_at", Timestamp, nullable=False),
    sa.Column("closes_on", Timestamp, nullable=False),
    sa.Column("objected_at", Timestamp),
)

# ---- The catalogue of trusted apps (DOMAIN §9, §10.8; migration 0012) ----
# A referenced app: its purposes [{code, label, description, exchanges: [{perimeter, action,
# categories}]}] as JSON; only its client secret's hash.
apps = sa.Table(
    "apps", metadata,
    sa.Column("app_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("publisher", sa.String(100), nullable=False),
    sa.Column("description", sa.String(4000), nullable=False, server_default=""),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("regions", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),          # EN_LIGNE | HORS_LIGNE | DEREFERENCEE | PRESERIE | SUSPENDUE
    sa.Column("status_reason", sa.String(500), nullable=False, server_default=""),
    sa.Column("purposes", sa.JSON, nullable=False),
    sa.Column("purposes_version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("redirect_uris", sa.JSON, nullable=False),
    sa.Column("client_auth_method", sa.String(32), nullable=False),   # client_secret_basic | client_secret_post
    sa.Column("website_url", sa.String(500), nullable=False, server_default=""),
    sa.Column("client_secret_hash", sa.String(255), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("ix_apps_catalogue_order", "name", "app_id"),
)

# A space's connection to an app: the purposes consented, as they were consented (JSON, the app's
# purposes_version then); last_reminded_at: the last 90-day list of her synchronised apps.
app_connections = sa.Table(
    "app_connections", metadata,
    sa.Column("patient_id", sa.String(36), sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("app_id", sa.String(36), sa.ForeignKey("apps.app_id"), primary_key=True, index=True),
    sa.Column("consented", sa.JSON, nullable=False),
    sa.Column("purposes_version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(24), nullable=False),   # ACTIVE | REAPPROVAL_REQUIRED | LAPSED | DISCONNECTED
    sa.Column("reapproval_deadline", Timestamp),
    sa.Column("connected_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("last_reminded_at", Timestamp),
    sa.Index("ix_app_connections_reapproval", "reapproval_deadline",
             postgresql_where=sa.text("status = 'REAPPROVAL_REQUIRED'")),
    sa.Index("ix_app_connections_reminders", "patient_id", postgresql_where=sa.text("status = 'ACTIVE'")),
)

# OAuth 2.0 authorization codes (hashed, single-use); family_id: the tokens a code issues.
oauth_codes = sa.Table(
    "oauth_codes", metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("app_id", sa.String(36), nullable=False),
    sa.Column("patient_id", sa.String(36), nullable=False),
    sa.Column("redirect_uri", sa.String(500), nullable=False),
    sa.Column("scope", sa.String(2000), nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=False),
    sa.Column("code_challenge_method", sa.String(8), nullable=False),
    sa.Column("family_id", sa.String(36), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("used_at", Timestamp),
)

# What one authorization issued an app for a space; revoked as a whole (reuse, withdrawal, ...).
app_token_families = sa.Table(
    "app_token_families", metadata,
    sa.Column("family_id", sa.String(36), primary_key=True),
    sa.Column("app_id", sa.String(36), nullable=False),
    sa.Column("patient_id", sa.String(36), nullable=False),
    sa.Column("scope", sa.String(2000), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp),
    sa.Column("revoked_reason", sa.String(32)),
    sa.Index("ix_app_token_families_patient_id", "patient_id", "app_id"),
)

# An app's tokens: access tokens by jti, refresh tokens by the SHA-256 of their value.
app_tokens = sa.Table(
    "app_tokens", metadata,
    sa.Column("token_key", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),          # access | refresh
    sa.Column("family_id", sa.String(36), sa.ForeignKey("app_token_families.family_id"), nullable=False, index=True),
    sa.Column("scope", sa.String(2000), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("rotated_at", Timestamp),
    sa.Column("revoked_at", Timestamp),
)

# The version of a person's rows an access context is read from: bumped by triggers on every change
# of them (migration 0013), from one sequence.
access_versions = sa.Table(
    "access_versions", metadata,
    sa.Column("subject_id", sa.String(36), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

outbox = outbox_table(metadata)
