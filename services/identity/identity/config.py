from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class IdentitySettings(CommonSettings):
    signing_key_file: str = env("SIGNING_KEY_FILE", secret=True,
                                help="PEM file of the Ed25519 key that signs access tokens (read again when it "
                                     "changes: a rotation needs no restart)")
    previous_signing_key_file: str = env(
        "PREVIOUS_SIGNING_KEY_FILE", "", secret=True,
        help="PEM file of the key SIGNING_KEY_FILE replaced (may be absent): still published while its tokens live")
    signing_key_activation_seconds: float = env(
        "SIGNING_KEY_ACTIVATION_SECONDS", 120.0,
        help="seconds a new signing key is published before it signs (every replica reads it meanwhile)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", help="host:port of notifications (login codes)")
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (the holders' activity history, through the "
                                             "outbox; the records a patient reports)")
    service_clients_file: str = env("SERVICE_CLIENTS_FILE", "", secret=True,
                                    help="JSON {service name: SHA-256 hex of its client secret, or a list of them "
                                         "while a secret rotates}, read again when it changes")
    service_token_ttl_seconds: int = env("SERVICE_TOKEN_TTL_SECONDS", 300)
    access_token_ttl_seconds: int = env("ACCESS_TOKEN_TTL_SECONDS", 600)
    refresh_token_ttl_seconds: int = env("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
    login_code_ttl_seconds: int = env("LOGIN_CODE_TTL_SECONDS", 300)
    provisional_code_ttl_days: int = env("PROVISIONAL_CODE_TTL_DAYS", 90)
    max_failures: int = env("LOCKOUT_MAX_FAILURES", 5, help="wrong passwords or codes before a lock")
    lockout_seconds: int = env("LOCKOUT_SECONDS", 900)
    max_failures_per_client: int = env("CLIENT_MAX_FAILURES", 50, help="failures per client address per window")
    delegation_jobs_interval_seconds: float = env(
        "DELEGATION_JOBS_INTERVAL_SECONDS", 300.0,
        help="seconds between passes of the delegation jobs (18th birthdays, caregiving end dates, unused caregivings)")
    creation_jobs_interval_seconds: float = env(
        "CREATION_JOBS_INTERVAL_SECONDS", 300.0,
        help="seconds between passes of the opt-out creation job (announced spaces created 6 weeks after their notice)")
    deletion_delay_days: int = env(
        "DELETION_DELAY_DAYS", 30,
        help="days between a closure with deletion and the erasure of the data (1 to 92: within three months); "
             "the holder may reopen her space meanwhile")
    erasure_pulled_by: str = env(
        "ERASURE_PULLED_BY", "documents,messaging,agenda,profile,exports",
        help="comma-separated services that pull a deleted space's erasures (ListPendingErasures) and report them; "
             "notifications and audit are told by identity; none = nobody")
    erasure_told: str = env(
        "ERASURE_TOLD", "notifications,audit",
        help="comma-separated services among those identity calls (notifications, audit) it tells to erase a deleted "
             "space's data (mes.lifecycle.v1 EraseSubjectData); none = nobody")
    erasure_jobs_interval_seconds: float = env(
        "ERASURE_JOBS_INTERVAL_SECONDS", 60.0,
        help="seconds between passes of the erasure job (deletions due, ten-year archives over, services told)")
    catalogue_jobs_interval_seconds: float = env(
        "CATALOGUE_JOBS_INTERVAL_SECONDS", 300.0,
        help="seconds between passes of the catalogue jobs (connections not re-approved in time lapse; the 90-day "
             "list of each holder's synchronised apps)")
    clock_offset_file: str = env(
        "CLOCK_OFFSET_FILE", "",
        help="TEST HOOK, never for production: a file holding seconds added to identity's clock (end-to-end tests "
             "move time with it); empty = the real clock")
