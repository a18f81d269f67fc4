from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, ObjectStoreSettings, env

DEFAULT_PUSH_ORIGINS = ",".join([
    "https://fcm.googleapis.com", "https://*.push.services.mozilla.com", "https://web.push.apple.com",
    "https://*.notify.windows.com"])


@dataclass(frozen=True, kw_only=True)
class NotificationsSettings(CommonSettings, ObjectStoreSettings):
    # ---- email ----
    smtp_host: str = env("SMTP_HOST", help="SMTP relay host")
    smtp_port: int = env("SMTP_PORT", 25)
    smtp_username: str = env("SMTP_USERNAME", "")
    smtp_password: str = env("SMTP_PASSWORD", "", secret=True)
    smtp_starttls: bool = env("SMTP_STARTTLS", False)
    smtp_timeout_seconds: float = env("SMTP_TIMEOUT_SECONDS", 10.0)
    mail_from: str = env("MAIL_FROM", "Mon espace santé <ne-pas-repondre@monespacesante.example>")
    public_url: str = env("PUBLIC_URL", "https://monespacesante.example",
                          help="address of the web app, for links in mails, letters and List-Unsubscribe")
    default_quiet_hours: str = env("DEFAULT_QUIET_HOURS", "22:00-07:00",
                                   help="quiet hours (Europe/Paris) of people who set none; off = none")
    # ---- delivery workers (threads of this process; several replicas may run) ----
    email_workers: int = env("EMAIL_WORKERS", 2, help="email sending threads, 0 = none")
    push_workers: int = env("PUSH_WORKERS", 1, help="push sending threads, 0 = none")
    worker_batch_size: int = env("WORKER_BATCH_SIZE", 50, help="deliveries claimed at a time")
    worker_poll_seconds: float = env("WORKER_POLL_SECONDS", 0.5)
    delivery_lease_seconds: float = env("DELIVERY_LEASE_SECONDS", 60.0,
                                        help="a claimed delivery returns to the queue after this")
    retry_base_seconds: float = env("RETRY_BASE_SECONDS", 30.0, help="first retry delay, doubled each attempt")
    retry_max_seconds: float = env("RETRY_MAX_SECONDS", 6 * 3600.0)
    # ---- push (Web Push, VAPID) ----
    vapid_private_key_file: str = env("VAPID_PRIVATE_KEY_FILE", "", secret=True,
                                      help="PEM P-256 key signing VAPID tokens; empty = no push")
    vapid_subject: str = env("VAPID_SUBJECT", "mailto:support@monespacesante.example")
    push_allowed_origins: str = env("PUSH_ALLOWED_ORIGINS", DEFAULT_PUSH_ORIGINS,
                                    help="comma-separated origins push endpoints may have (* wildcards)")
    # ---- postal letters ----
    letters_dir: str = env("LETTERS_DIR", "", help="folder for print files when no S3 endpoint is set")
    s3_bucket: str = env("S3_BUCKET", "mes-letters", help="print files (S3_ENDPOINT and the other S3_* as documents)")
    letter_batch_time: str = env("LETTER_BATCH_TIME", "16:00",
                                 help="daily print file time (Europe/Paris); off = only RunLetterBatch")
    letter_batch_interval_seconds: float = env("LETTER_BATCH_INTERVAL_SECONDS", 0.0,
                                               help="> 0: a print file every N seconds instead of daily")
    # ---- the bell stream ----
    watch_max_streams: int = env("WATCH_MAX_STREAMS", 16, help="open bell streams per replica")
