"""The MSSanté bridge's SMTP listener over real TCP and TLS: who may connect (a client certificate
of the trust space), who may send (the domains it vouches for), to whom (existing spaces, no
hint), what (size, MIME, attachments), and what the patient then sees."""
from __future__ import annotations

import logging
import smtplib
import ssl

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as ipb
from mes.messaging.v1 import messaging_pb2 as pb

from mssante_harness import PDF, big_pdf, mail
from messaging_harness import refused


@pytest.fixture
def people(mstack, bridge):
    patient = mstack.new_patient()
    gp = mstack.new_mssante_professional()
    gp_address = mstack.identity.GetProfessional(ipb.GetProfessionalRequest(professional_id=gp.professional_id),
                                                 metadata=mstack.operator, timeout=10).mssante_address
    return patient, gp, gp_address, bridge.address_of(patient)


def _conversations(mstack, patient):
    return list(mstack.conversations(mstack.patient(patient), patient).conversations)


def _stored(mstack, patient) -> int:
    with mstack.messaging_engine().connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM conversations WHERE patient_id = :p"), {"p": patient}).scalar()


class TestWhoMayConnect:
    def test_without_starttls_nothing_is_accepted(self, bridge, people):
        with bridge.client(tls=False) as smtp:
            assert smtp.mail(people[2])[0] == 530

    def test_starttls_without_a_client_certificate_is_refused_before_mail(self, bridge, people):
        with bridge.client(certificate=None) as smtp:
            code, text = smtp.mail(people[2])
            assert (code, b"lack of security" in text) == (554, True)
            assert smtp.rcpt(people[3])[0] == 554

    def test_a_certificate_of_another_ca_fails_the_handshake(self, bridge, people):
        with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError)):
            with bridge.client(certificate=bridge.foreign) as smtp:
                smtp.mail(people[2])

    def test_the_listener_announces_starttls_and_its_size_limit(self, bridge):
        smtp = smtplib.SMTP("127.0.0.1", bridge.smtp_port, timeout=10)
        try:
            smtp.ehlo()
            assert smtp.has_extn("starttls") and int(smtp.esmtp_features["size"]) == 14_500_000
        finally:
            smtp.close()


class TestWhoMaySendToWhom:
    def test_a_domain_the_certificate_does_not_vouch_for_is_refused(self, bridge, people):
        with bridge.client() as smtp:
            code, text = smtp.mail("someone@hopital.example")
        assert (code, text) == (550, b"5.7.1 Sender domain not vouched for by your certificate")

    def test_an_unknown_sender_of_a_vouched_domain_is_refused(self, bridge, people):
        with bridge.client() as smtp:
            assert smtp.mail("nobody@medecin.mssante.fr")[0] == 550

    def test_unknown_and_malformed_recipients_get_the_same_answer(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        nir = address.partition("@")[0]
        wrong_key = nir[:13] + f"{(int(nir[13:]) + 1) % 97:02d}"
        answers = set()
        for recipient in (f"{wrong_key}@patient.mssante.fr", "1850575111999@patient.mssante.fr", "nobody@patient.mssante.fr",
                          f"{nir}@medecin.mssante.fr", gp_address, "not-an-address"):
            with bridge.client() as smtp:
                assert smtp.mail(gp_address)[0] == 250
                answers.add(smtp.rcpt(recipient))
        assert answers == {(550, b"5.1.1 Mailbox unavailable")}

    def test_one_patient_per_mail(self, bridge, people, mstack):
        other = bridge.address_of(mstack.new_patient())
        with bridge.client() as smtp:
            smtp.mail(people[2])
            assert smtp.rcpt(people[3])[0] == 250
            assert smtp.rcpt(other)[0] == 452


class TestWhatIsRefused:
    def test_a_declared_size_over_the_limit_is_refused_at_mail(self, bridge, people):
        with bridge.client() as smtp:
            assert smtp.mail(people[2], options=["SIZE=20000000"])[0] == 552

    def test_data_over_the_limit_is_refused_and_nothing_stored(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        big = mail(gp_address, address, attachments=[(f"f{i}.pdf", big_pdf(4_900_000), "application/pdf")
                                                     for i in range(3)])
        code, text = bridge.send(big, gp_address, address)
        assert code == 552 and _stored(mstack, patient) == 0, text

    def test_the_largest_allowed_attachments_pass_the_data_limit(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        files = [(f"f{i}.pdf", big_pdf(4_990_000), "application/pdf") for i in range(2)]
        assert bridge.send(mail(gp_address, address, attachments=files), gp_address, address)[0] == 250
        assert _stored(mstack, patient) == 1

    @pytest.mark.parametrize("raw, why", [
        (b"From: {gp}\r\nTo: {to}\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n",
         b"Malformed message: broken MIME part"),
        (b"From: {gp}\r\nTo: {to}\r\nSubject: x\r\n\r\nno Message-ID\r\n", b"Malformed message: one Message-ID required"),
        (b"Message-ID: <a@b>\r\nTo: {to}\r\nSubject: x\r\n\r\nno From\r\n", b"Malformed message: one From address"),
    ])
    def test_malformed_mime_gets_a_precise_550(self, bridge, people, mstack, raw, why):
        patient, _, gp_address, address = people
        code, text = bridge.send(raw.replace(b"{gp}", gp_address.encode()).replace(b"{to}", address.encode()),
                                 gp_address, address)
        assert code == 550 and text.startswith("5.6.0 " + why.decode()), text
        assert _stored(mstack, patient) == 0

    def test_a_from_header_other_than_the_envelope_sender_is_refused(self, bridge, people):
        _, _, gp_address, address = people
        code, text = bridge.send(mail("other@medecin.mssante.fr", address), gp_address, address)
        assert (code, text) == (550, "5.7.1 The From header is not the envelope sender")

    def test_an_executable_renamed_pdf_is_refused_precisely_and_nothing_stored(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        exe = b"MZ\x90\x00" + b"\x00" * 200
        code, text = bridge.send(mail(gp_address, address, attachments=[("ordonnance.pdf", exe, "application/pdf")]),
                                 gp_address, address)
        assert code == 554 and text.startswith("5.6.1 Attachment refused: ") and "attachments[0]" in text, text
        assert _stored(mstack, patient) == 0

    def test_a_sixth_attachment_is_refused(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        code, text = bridge.send(mail(gp_address, address, attachments=[(f"{i}.pdf", PDF, "application/pdf")
                                                                         for i in range(6)]), gp_address, address)
        assert (code, text) == (554, "5.6.1 Attachment refused: TOO_MANY_ATTACHMENTS")
        assert _stored(mstack, patient) == 0

    def test_a_blocked_professional_cannot_write(self, bridge, people, mstack):
        patient, gp, gp_address, address = people
        mstack.block(patient, gp)
        code, text = bridge.send(mail(gp_address, address), gp_address, address)
        assert (code, text) == (550, "5.7.1 Sender may not write to this patient: PROFESSIONAL_BLOCKED")


class TestDelivered:
    def test_a_mail_with_a_pdf_becomes_her_conversation(self, bridge, people, mstack, caplog):
        caplog.set_level(logging.DEBUG)
        patient, gp, gp_address, address = people
        sent = mail(gp_address, address, subject="Compte rendu", text="Bonjour Madame, voici le compte rendu.",
                    attachments=[("compte-rendu.pdf", PDF, "application/pdf")],
                    headers={"X-MSS-Typemessage": "CR", "X-Other": "dropped"})
        assert bridge.send(sent, gp_address, address) == (250, "2.0.0 Delivered")
        (conversation,) = _conversations(mstack, patient)
        assert conversation.subject == "Compte rendu" and conversation.unread_count == 1
        (message,) = mstack.messages(mstack.patient(patient), patient, conversation.conversation_id)
        assert message.body == "Bonjour Madame, voici le compte rendu." and message.sender.participant_id == gp.professional_id
        assert message.mssante_message_id == sent["Message-ID"]
        (attached,) = message.attachments
        meta, data = mstack.download_attachment(mstack.patient(patient), patient, message.message_id,
                                                attached.attachment_id)
        assert (meta.filename, data, meta.source) == ("compte-rendu.pdf", PDF, pb.ATTACHMENT_SOURCE_RECEIVED)
        assert bridge.headers_of(sent["Message-ID"]) == {"X-MSS-Typemessage": "CR"}
        notices = mstack.messaging_published(patient, "RECEPTION_MESSAGE")
        assert len(notices) == 1
        assert address.partition("@")[0] not in caplog.text, "her NIR in the logs"

    def test_in_reply_to_continues_the_conversation(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        first = mail(gp_address, address, subject="Suivi")
        assert bridge.send(first, gp_address, address)[0] == 250
        second = mail(gp_address, address, subject="RE: Suivi", text="Un complément.", in_reply_to=first["Message-ID"])
        assert bridge.send(second, gp_address, address)[0] == 250
        (conversation,) = _conversations(mstack, patient)
        bodies = [m.body for m in mstack.messages(mstack.patient(patient), patient, conversation.conversation_id)]
        assert bodies == ["Bonjour, voici vos résultats.", "Un complément."]

    def test_html_only_is_converted_to_text_without_markup_or_scripts(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        html = ("<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
                "<body><p>Bonjour&nbsp;<b>Madame</b>,</p><p>RDV le 3.</p><img src=x onerror=alert(1)></body></html>")
        assert bridge.send(mail(gp_address, address, text=None, html=html), gp_address, address)[0] == 250
        (conversation,) = _conversations(mstack, patient)
        (message,) = mstack.messages(mstack.patient(patient), patient, conversation.conversation_id)
        assert message.body == "Bonjour Madame,\n\nRDV le 3."

    def test_a_reply_to_a_closed_conversation_is_refused(self, bridge, people, mstack):
        patient, gp, gp_address, address = people
        first = mail(gp_address, address)
        bridge.send(first, gp_address, address)
        (conversation,) = _conversations(mstack, patient)
        mstack.msg.CloseConversation(pb.CloseConversationRequest(
            patient_id=patient, conversation_id=conversation.conversation_id), metadata=mstack.professional(gp),
            timeout=10)
        code, text = bridge.send(mail(gp_address, address, in_reply_to=first["Message-ID"]), gp_address, address)
        assert (code, text) == (550, "5.7.1 Conversation refused: CONVERSATION_CLOSED")
        assert mstack.stored_messages(conversation.conversation_id) == 1

    def test_the_same_mail_twice_is_one_message(self, bridge, people, mstack):
        patient, _, gp_address, address = people
        sent = mail(gp_address, address)
        assert bridge.send(sent, gp_address, address)[0] == 250
        assert bridge.send(sent, gp_address, address)[0] == 250
        (conversation,) = _conversations(mstack, patient)
        assert mstack.stored_messages(conversation.conversation_id) == 1


class TestDeliverMessage:
    def _deliver(self, bridge, mstack, patient, gp, message_id, metadata=None, **fields):
        return bridge.msg.DeliverMessage(pb.DeliverMessageRequest(
            mssante_message_id=message_id, patient_id=patient, sender=pb.Participant(participant_id=gp.professional_id),
            subject="Résultats", body="Vos résultats sont normaux.", **fields),
            metadata=metadata or mstack.service("mssante-connector"), timeout=30)

    def test_idempotent_on_the_message_id(self, bridge, people, mstack):
        patient, gp, _, _ = people
        first = self._deliver(bridge, mstack, patient, gp, "<grpc-1@medecin.mssante.fr>",
                              attachments=[pb.UploadedFile(filename="r.pdf", content_type="application/pdf", content=PDF)])
        again = self._deliver(bridge, mstack, patient, gp, "<grpc-1@medecin.mssante.fr>")
        assert first.message_id == again.message_id and len(first.attachments) == 1
        (conversation,) = _conversations(mstack, patient)
        assert mstack.stored_messages(conversation.conversation_id) == 1

    def test_in_reply_to_threads_and_a_closed_conversation_refuses(self, bridge, people, mstack):
        patient, gp, _, _ = people
        first = self._deliver(bridge, mstack, patient, gp, "<grpc-2@medecin.mssante.fr>")
        second = self._deliver(bridge, mstack, patient, gp, "<grpc-3@medecin.mssante.fr>",
                               in_reply_to="<grpc-2@medecin.mssante.fr>")
        assert second.conversation_id == first.conversation_id
        mstack.msg.CloseConversation(pb.CloseConversationRequest(patient_id=patient, conversation_id=first.conversation_id),
                                     metadata=mstack.professional(gp), timeout=10)
        refused(lambda: self._deliver(bridge, mstack, patient, gp, "<grpc-4@medecin.mssante.fr>",
                                      in_reply_to="<grpc-2@medecin.mssante.fr>"),
                grpc.StatusCode.FAILED_PRECONDITION, "CONVERSATION_CLOSED")

    def test_service_tokens_only_and_a_sender_outside_mssante_refused(self, bridge, people, mstack):
        patient, gp, _, _ = people
        refused(lambda: self._deliver(bridge, mstack, patient, gp, "<grpc-5@x>", metadata=mstack.professional(gp)),
                grpc.StatusCode.PERMISSION_DENIED, "")
        refused(lambda: self._deliver(bridge, mstack, patient, gp, "<grpc-7@x>", recipient_ids=[gp.professional_id]),
                grpc.StatusCode.INVALID_ARGUMENT, "RECIPIENTS")
        outsider = mstack.new_mssante_professional(mssante=False)
        refused(lambda: self._deliver(bridge, mstack, patient, outsider, "<grpc-6@x>"),
                grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_MSSANTE")
        assert _stored(mstack, patient) == 0

    def test_the_sender_named_by_its_mssante_address(self, bridge, people, mstack):
        patient, gp, gp_address, _ = people
        call = lambda sender, mid: bridge.msg.DeliverMessage(pb.DeliverMessageRequest(  # noqa: E731
            mssante_message_id=mid, patient_id=patient, sender=sender, subject="Résultats", body="Normaux."),
            metadata=mstack.service("mssante-connector"), timeout=30)
        delivered = call(pb.Participant(mssante_address=gp_address), "<grpc-8@medecin.mssante.fr>")
        assert delivered.sender.participant_id == gp.professional_id
        refused(lambda: call(pb.Participant(mssante_address="nobody@medecin.mssante.fr"), "<grpc-9@x>"),
                grpc.StatusCode.INVALID_ARGUMENT, "SENDER_UNKNOWN")
