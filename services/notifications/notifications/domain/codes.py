"""One-time codes by email, sent at once: the login code, and the code that confirms a new address."""
from __future__ import annotations

import html
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

from meskit.auth import SERVICE, Caller
from meskit.errors import PermissionDenied, Violations

PARIS = ZoneInfo("Europe/Paris")
LOGIN, CONTACT_CHANGE = "login", "contact_change"
# purpose -> (subject, what the code is for)
PURPOSES = {
    LOGIN: ("Votre code de connexion à Mon espace santé", "Votre code de connexion à usage unique"),
    CONTACT_CHANGE: ("Confirmez votre nouvelle adresse e-mail Mon espace santé",
                     "Pour confirmer cette nouvelle adresse e-mail, votre code à usage unique"),
}
SUBJECT = PURPOSES[LOGIN][0]
TEXT = """Bonjour {name},

{what} est : {code}

Il est valable jusqu'à {until}. Ne le communiquez à personne : Mon espace santé ne vous le
demandera jamais par téléphone.

Si vous n'êtes pas à l'origine de cette demande, ignorez ce message et changez votre mot de passe.

Mon espace santé
"""
HTML = """<!doctype html><html lang="fr"><body>
<p>Bonjour {name},</p>
<p>{what}&nbsp;: <strong style="font-size:1.4em">{code}</strong></p>
<p>Il est valable jusqu'à {until}. Ne le communiquez à personne&nbsp;: Mon espace santé ne vous le
demandera jamais par téléphone.</p>
<p>Si vous n'êtes pas à l'origine de cette demande, ignorez ce message et changez votre mot de passe.</p>
<p>Mon espace santé</p>
</body></html>"""


def one_time_code_email(*, sender: str, email: str, code: str, expires_at: datetime, given_name: str,
                        purpose: str = LOGIN, message_domain: str = "monespacesante.example") -> EmailMessage:
    until = expires_at.astimezone(PARIS).strftime("%H:%M")
    name = given_name or "Madame, Monsieur"
    subject, what = PURPOSES[purpose]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = email
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=message_domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(TEXT.format(name=name, what=what, code=code, until=until))
    message.add_alternative(HTML.format(name=html.escape(name), what=html.escape(what), code=html.escape(code),
                                        until=until), subtype="html")
    return message


def send_one_time_code(mailer, caller: Caller, *, sender: str, email: str, code: str,
                       expires_at: datetime, given_name: str, purpose: str = LOGIN) -> str:
    caller.require(SERVICE)
    if caller.subject != "identity":
        raise PermissionDenied("Seul le service d'identité envoie des codes de connexion")
    v = Violations()
    v.require(email, "email")
    if not (len(code) == 6 and code.isdigit()):
        v.add("code", "6 chiffres attendus")
    if len(email) > 254 or "@" not in email or "\n" in email or "\r" in email:
        v.add("email", "adresse e-mail invalide")
    if purpose not in PURPOSES:
        v.add("purpose", "valeurs possibles : " + ", ".join(PURPOSES))
    v.raise_if_any()
    message = one_time_code_email(sender=sender, email=email, code=code, expires_at=expires_at,
                                  given_name=given_name, purpose=purpose)
    mailer.send(message)
    return message["Message-ID"]
