"""The outbound sender towards a relay that requires STARTTLS and an operator's client certificate
(real TLS, the test trust space): it verifies the relay against the trust-space CA and presents the
patient domain's certificate; a relay of another CA is not trusted (the mail is not handed over)."""
from __future__ import annotations

import socket
import ssl
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization

from devtools.mssante_certs import ensure_trust_space, issue, new_ca, write_pair
from devtools.smtp_sink import MailDirHandler, read_mails
from messaging.adapters.outbound import OutboundSender, Relay, relay_context


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def relay(tmp_path):
    """A relay of the trust space: STARTTLS required, client certificates of the CA required."""
    def start(cert_file, key_file, ca_file):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca_file))
        context.load_cert_chain(cert_file, key_file)
        context.verify_mode = ssl.CERT_REQUIRED
        controller = Controller(MailDirHandler(tmp_path / "relay-mail"), hostname="127.0.0.1", port=_free_port(),
                                tls_context=context, require_starttls=True)
        controller.start()
        started.append(controller)
        return controller
    started: list = []
    yield start
    for c in started:
        c.stop()


def _mail() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "p@patient.mssante.fr", "dr@medecin.mssante.fr", "RE: x"
    mail["Message-ID"] = "<tls-1@patient.mssante.fr>"
    mail.set_content("Merci")
    return mail


def test_the_mail_goes_over_verified_tls_with_our_certificate(tmp_path, relay):
    space = ensure_trust_space(tmp_path / "trust")
    # the relay: an operator of the trust space (its certificate names 127.0.0.1 too)
    controller = relay(space.operator_cert_file, space.operator_key_file, space.ca_file)
    sender = OutboundSender(None, None, Relay("127.0.0.1", controller.port, True, relay_context(
        str(space.ca_file), str(space.server_cert_file), str(space.server_key_file))),
        retry_seconds=1, max_attempts=1)
    sender.send("p@patient.mssante.fr", "dr@medecin.mssante.fr", _mail())
    (received,) = read_mails(tmp_path / "relay-mail")
    assert received["Message-ID"] == "<tls-1@patient.mssante.fr>"


def test_a_relay_outside_the_trust_space_is_not_trusted(tmp_path, relay):
    space = ensure_trust_space(tmp_path / "trust")
    other_key, other_ca = new_ca("Another CA")
    impostor = write_pair(tmp_path, "impostor", *issue(other_key, other_ca, ("relay.mssante.test",)))
    (tmp_path / "other-ca.crt").write_bytes(other_ca.public_bytes(serialization.Encoding.PEM))
    controller = relay(*impostor, tmp_path / "other-ca.crt")
    sender = OutboundSender(None, None, Relay("127.0.0.1", controller.port, True, relay_context(
        str(space.ca_file), str(space.server_cert_file), str(space.server_key_file))),
        retry_seconds=1, max_attempts=1)
    with pytest.raises(ssl.SSLCertVerificationError):
        sender.send("p@patient.mssante.fr", "dr@medecin.mssante.fr", _mail())
    assert read_mails(tmp_path / "relay-mail") == []
