"""The MSSanté bridge's MIME reading and writing, without a network: HTML to safe text, threading
ids, X-MSS-* headers, what counts as malformed, and a composed reply read back."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from messaging.adapters.mail_format import Malformed, compose, html_to_text, parse

HEAD = b"From: Dr B <b@medecin.mssante.fr>\r\nTo: p@patient.mssante.fr\r\nSubject: Suivi\r\nMessage-ID: <m1@medecin.mssante.fr>\r\n"


def test_html_keeps_the_text_only():
    html = ("<html><head><title>T</title><style>p{}</style><script>steal()</script></head><body>"
            "<p>Bonjour&nbsp;<b>Madame</b></p><iframe>x</iframe><ul><li>un</li><li>deux &amp; trois</li></ul>"
            "<a href='javascript:x()' onclick='y()'>lien</a></body></html>")
    assert html_to_text(html) == "Bonjour Madame\n\nun\n\ndeux & trois\n\nlien"


def test_a_plain_mail_with_threading_and_mss_headers():
    raw = HEAD + (b"In-Reply-To: <a@patient.mssante.fr>\r\nReferences: <z@x> <a@patient.mssante.fr>\r\n"
                  b"X-MSS-Typemessage: CR\r\nX-Mailer: y\r\nDisposition-Notification-To: b@medecin.mssante.fr\r\n"
                  b"\r\nligne 1\r\nligne 2\r\n")
    mail = parse(raw)
    assert (mail.message_id, mail.from_address, mail.subject) == ("<m1@medecin.mssante.fr>", "b@medecin.mssante.fr", "Suivi")
    assert mail.text == "ligne 1\nligne 2" and mail.thread == ("<a@patient.mssante.fr>", "<z@x>")
    assert mail.mss_headers == {"X-MSS-Typemessage": "CR"} and mail.acknowledgement_requested


@pytest.mark.parametrize("raw", [
    b"",
    HEAD.replace(b"Message-ID: <m1@medecin.mssante.fr>\r\n", b"") + b"\r\nx\r\n",
    HEAD + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n",
    HEAD + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n",
])
def test_malformed(raw):
    with pytest.raises(Malformed):
        parse(raw)


def test_a_composed_reply_reads_back():
    out = compose(message_id="<r1@patient.mssante.fr>", from_address="p@patient.mssante.fr", from_name='Jeanne "J" Martin',
                  to_address="b@medecin.mssante.fr", to_name="Dr B", subject="RE: Suivi", text="Merci",
                  sent_at=datetime(2026, 12, 2, tzinfo=timezone.utc), in_reply_to="<m1@medecin.mssante.fr>",
                  references=("<m1@medecin.mssante.fr>",))
    back = parse(out.as_bytes())
    assert (back.message_id, back.from_address, back.text.strip()) == ("<r1@patient.mssante.fr>", "p@patient.mssante.fr", "Merci")
    assert back.thread == ("<m1@medecin.mssante.fr>",)
