from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class NotificationsSettings(CommonSettings):
    smtp_host: str = env("SMTP_HOST", help="SMTP relay host")
    smtp_port: int = env("SMTP_PORT", 25)
    smtp_username: str = env("SMTP_USERNAME", "")
    smtp_password: str = env("SMTP_PASSWORD", "", secret=True)
    smtp_starttls: bool = env("SMTP_STARTTLS", False)
    smtp_timeout_seconds: float = env("SMTP_TIMEOUT_SECONDS", 10.0)
    mail_from: str = env("MAIL_FROM", "Mon espace santé <ne-pas-repondre@monespacesante.example>")
