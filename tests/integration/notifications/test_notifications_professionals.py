"""Mail to professionals, at the addresses an event gives rather than to an account: the
announcement reminder to the author of a document hidden from the patient (DOMAIN.md §10.3), and
the médecin traitant's notice of an emergency access (§3.2). Nothing of the reminder reaches the
patient; each mail goes once, whatever the redeliveries, with a stable Message-ID."""
from __future__ import annotations

from datetime import datetime, timedelta

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

from devtools.rpc_errors import error_details
from devtools.smtp_sink import text_of
from notifications_harness import AN_HOUR_BETWEEN_RETRIES
from notifications.domain.routing import PARIS

SENT, PENDING, DEAD = pb.DELIVERY_STATE_SENT, pb.DELIVERY_STATE_PENDING, pb.DELIVERY_STATE_DEAD
DR = "dr.bernard@medecin.mssante.example"
GP = "dr.durand@medecin.mssante.example"
REMINDER = {"professional_id": "rpps-10003", "professional_email": DR, "document_id": "doc-42",
            "visible_from": "2027-01-14T23:30:00+00:00"}      # 15 January in Paris
EMERGENCY = {"actor_display": "Dr Paul Urgentiste", "professional_id": "rpps-20001", "access_mode": "bris_de_glace",
             "general_practitioner_ids": ["rpps-30001"], "general_practitioner_emails": [GP]}


def all_sent(statuses):
    return bool(statuses) and all(s.state == SENT for s in statuses)


def patient(h, account_id="p1"):
    h.person(account_id, given_name="Jeanne", family_name="Martin", email="jeanne@example.test", activated=True,
             postal_address="12 rue des Lilas\n75020 Paris")


class TestAnnouncementReminder:
    def test_the_author_gets_one_mail_and_the_patient_nothing(self, notifications):
        h = notifications
        patient(h)
        event_id, _ = h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE", payload=REMINDER)
        (status,) = h.wait_statuses(event_id, all_sent)
        assert status.channel == pb.CHANNEL_EMAIL and status.recipient_id.startswith("professional:")
        (mail,) = h.wait_mails(1, to=DR)
        assert mail["Message-ID"] == f"<{status.notification_id}@monespacesante.example>"
        assert mail["Subject"] == "Rappel : consultation d'annonce à tenir" and "List-Unsubscribe" not in mail
        text = text_of(mail)
        assert "dans les deux semaines" in text and "visible pour le patient le 15/01/2027" in text
        assert "Référence du document : doc-42" in text
        assert "Jeanne" not in text and "Martin" not in text and "https://mes.test" not in text
        assert "Ce message vous est adressé en tant que professionnel de santé" in text
        assert h.mails("jeanne@example.test") == []
        assert list(h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="p1"),
                                             metadata=h.patient("p1")).notifications) == []
        assert h.stub.RunLetterBatch(pb.RunLetterBatchRequest(), metadata=h.operator()).letter_count == 0

    def test_a_redelivered_reminder_sends_no_second_mail(self, notifications):
        h = notifications
        patient(h)
        event_id, _ = h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE", payload=REMINDER)
        h.wait_statuses(event_id, all_sent)
        _, again = h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE", payload=REMINDER, event_id=event_id)
        assert again.duplicate and len(h.statuses(event_id)) == 1
        assert len(h.wait_mails(1, to=DR)) == 1

    def test_only_documents_sends_it_and_a_malformed_address_is_refused_by_name(self, notifications):
        h = notifications
        with pytest.raises(grpc.RpcError) as denied:
            h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE", producer="agenda", payload=REMINDER)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as bad:
            h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE",
                      payload={**REMINDER, "professional_email": "pas une adresse"})
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(bad.value)[0] == {"payload_json.professional_email"}
        with pytest.raises(grpc.RpcError) as missing:
            h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE", payload={"document_id": "doc-42"})
        assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    def test_it_waits_for_the_end_of_the_quiet_hours_unlike_the_emergency_notice(self, make_notifications):
        now = datetime.now(PARIS)
        start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=2)).strftime("%H:%M")
        h = make_notifications(DEFAULT_QUIET_HOURS=f"{start}-{end}")
        patient(h)
        reminder, _ = h.publish("p1", "RAPPEL_CONSULTATION_ANNONCE", payload=REMINDER)
        emergency, _ = h.publish("p1", "ACCES_BRIS_GLACE", payload=EMERGENCY)
        statuses = h.wait_statuses(emergency, lambda s: len(s) == 2 and all_sent(s))
        assert {s.recipient_id for s in statuses} >= {"p1"}
        (waiting,) = h.statuses(reminder)
        morning = datetime.combine((now + timedelta(hours=2)).date(), datetime.strptime(end, "%H:%M").time(),
                                   tzinfo=PARIS)
        assert waiting.state == PENDING and waiting.not_before.seconds == int(morning.timestamp())
        assert h.mails(DR) == [] and len(h.wait_mails(1, to=GP)) == 1


class TestEmergencyAccess:
    def test_the_patient_and_each_general_practitioner_are_told_once(self, notifications):
        h = notifications
        patient(h)
        second = "cabinet.leroy@example.test"
        payload = {**EMERGENCY, "general_practitioner_emails": [GP, GP.upper(), second]}
        event_id, _ = h.publish("p1", "ACCES_BRIS_GLACE", payload=payload)
        statuses = h.wait_statuses(event_id, lambda s: len(s) == 3 and all_sent(s))
        assert sorted(s.recipient_id.split(":")[0] for s in statuses) == ["p1", "professional", "professional"]
        (own,) = h.wait_mails(1, to="jeanne@example.test")
        assert "Dr Paul Urgentiste a accédé en urgence au dossier médical de Jeanne Martin." in text_of(own)
        for address in (GP, second):
            (mail,) = h.wait_mails(1, to=address)
            assert mail["Subject"] == "Accès en urgence au dossier de votre patient(e)"
            text = text_of(mail)
            assert "Votre patient(e) Jeanne Martin a fait l'objet d'un accès en urgence à son dossier médical " \
                   "par Dr Paul Urgentiste, le " in text
            assert "médecin traitant" in text and "https://mes.test" not in text
        _, again = h.publish("p1", "ACCES_BRIS_GLACE", payload=payload, event_id=event_id)
        assert again.duplicate and len(h.statuses(event_id)) == 3
        assert len(h.mails()) == 3

    def test_a_refused_address_is_a_dead_letter_not_a_letter(self, notifications):
        h = notifications
        patient(h)
        h.smtp.handler.refuse.add(GP)
        event_id, _ = h.publish("p1", "ACCES_BRIS_GLACE", payload=EMERGENCY)
        statuses = h.wait_statuses(event_id, lambda s: len(s) == 2 and all(x.state in (SENT, DEAD) for x in s))
        (dead,) = [s for s in statuses if s.state == DEAD]
        assert dead.recipient_id.startswith("professional:") and "550" in dead.last_error
        listed = h.stub.ListDeadLetters(pb.ListDeadLettersRequest(channel=pb.CHANNEL_EMAIL), metadata=h.operator())
        assert [d.dead_letter_id for d in listed.dead_letters] == [dead.delivery_id]
        assert h.stub.RunLetterBatch(pb.RunLetterBatchRequest(), metadata=h.operator()).letter_count == 0
        assert h.stub.GetRecipient(pb.GetRecipientRequest(account_id="p1"), metadata=h.operator()).email_bad is False

    def test_a_general_practitioners_mail_waits_for_the_patients_name(self, make_notifications):
        h = make_notifications(**AN_HOUR_BETWEEN_RETRIES)   # only the snapshot's arrival can send them in time
        event_id, _ = h.publish("p1", "ACCES_BRIS_GLACE", payload=EMERGENCY)   # identity's snapshot comes after
        waiting = h.wait_statuses(event_id, lambda s: len(s) == 2 and all(
            x.state == pb.DELIVERY_STATE_RETRYING for x in s))
        assert all("inconnu" in x.last_error for x in waiting)
        patient(h)
        statuses = h.wait_statuses(event_id, lambda s: len(s) == 2 and all_sent(s), timeout=20)
        assert len(statuses) == 2
        (mail,) = h.wait_mails(1, to=GP)
        assert "Votre patient(e) Jeanne Martin" in text_of(mail)

    def test_a_malformed_general_practitioner_address_is_refused_by_name(self, notifications):
        h = notifications
        with pytest.raises(grpc.RpcError) as bad:
            h.publish("p1", "ACCES_BRIS_GLACE", payload={**EMERGENCY, "general_practitioner_emails": [GP, "x@"]})
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(bad.value)[0] == {"payload_json.general_practitioner_emails[1]"}
