"""Email over real SMTP."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from meskit.errors import InvalidArgument, Unavailable


class SmtpMailer:
    def __init__(self, host: str, port: int, *, username: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10.0):
        self._host, self._port, self._timeout = host, port, timeout
        self._username, self._password, self._starttls = username, password, starttls

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._username:
                    smtp.login(self._username, self._password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise InvalidArgument("Adresse e-mail refusée par le serveur de messagerie",
                                  reason="EMAIL_REFUSED") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable("Service de messagerie indisponible", reason="SMTP_UNAVAILABLE") from exc
