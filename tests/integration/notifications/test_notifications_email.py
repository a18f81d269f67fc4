"""Email: real MIME received by a real SMTP server, stable Message-ID, List-Unsubscribe on mail a
person may switch off, the fallback to a letter, preferences, quiet hours, retries and dead letters."""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

from notifications.domain.routing import PARIS
from devtools.print_files import letters_of, run_batch
from notifications_harness import AN_HOUR_BETWEEN_RETRIES

SENT, PENDING, SKIPPED = pb.DELIVERY_STATE_SENT, pb.DELIVERY_STATE_PENDING, pb.DELIVERY_STATE_SKIPPED


def settled(statuses) -> bool:
    return bool(statuses) and all(s.state not in (pb.DELIVERY_STATE_PENDING, pb.DELIVERY_STATE_RETRYING)
                                  or s.channel == pb.CHANNEL_POSTAL for s in statuses)


class TestMail:
    def test_a_notice_is_real_mime_in_french_with_a_stable_message_id(self, notifications):
        h = notifications
        h.person("p1", email="jeanne@example.test", given_name="Jeanne", family_name="Martin", activated=True)
        event_id, _ = h.publish("p1", payload={"actor_display": "Dr Claire Bernard"})
        (status,) = h.wait_statuses(event_id, settled)
        assert status.channel == pb.CHANNEL_EMAIL and status.state == SENT
        (mail,) = h.wait_mails(1)
        assert mail["To"] == "jeanne@example.test" and mail["Subject"] == "Nouveau document"
        assert mail["Message-ID"] == status.message_id == f"<{status.notification_id}@monespacesante.example>"
        assert mail.get_content_type() == "multipart/alternative"
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert "Bonjour Jeanne" in text and "ajouté au profil de Jeanne Martin par Dr Claire Bernard" in text
        assert '<html lang="fr">' in html and "Dr Claire Bernard" in html
        assert mail["Auto-Submitted"] == "auto-generated"

    def test_html_is_escaped(self, notifications):
        h = notifications
        h.person("p1", email="jeanne@example.test")
        h.publish("p1", payload={"actor_display": "<script>alert(1)</script>"})
        (mail,) = h.wait_mails(1)
        html = mail.get_body(("html",)).get_content()
        assert "<script>" not in html and "&lt;script&gt;" in html

    def test_optional_mail_can_be_unsubscribed_in_one_click_mandatory_mail_cannot(self, notifications):
        h = notifications
        h.person("p1", email="jeanne@example.test")
        h.publish("p1")
        h.publish("p1", "ACCES_DMP_PS", producer="audit")
        mails = h.wait_mails(2)
        by_subject = {m["Subject"]: m for m in mails}
        optional, mandatory = by_subject["Nouveau document"], by_subject["Accès à votre dossier"]
        assert mandatory["List-Unsubscribe"] is None
        assert optional["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = urlsplit(optional["List-Unsubscribe"].strip("<>"))
        assert url.path == "/v1/notification-preferences:unsubscribe"
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        h.stub.Unsubscribe(pb.UnsubscribeRequest(**query))       # public: no token needed
        prefs = h.stub.GetPreferences(pb.GetPreferencesRequest(account_id="p1"), metadata=h.patient("p1"))
        assert not prefs.document and prefs.message
        event_id, _ = h.publish("p1")
        assert [s.state for s in h.statuses(event_id)] == [SKIPPED]
        with pytest.raises(grpc.RpcError) as forged:
            h.stub.Unsubscribe(pb.UnsubscribeRequest(token="guess", category="document"))
        assert forged.value.code() == grpc.StatusCode.NOT_FOUND


class TestDemoPatient:
    def test_no_email_means_a_bell_item_and_a_letter_then_an_email_once_she_has_one(self, notifications):
        """The acceptance scenario: the demo patient (80, not activated, no email) gets a document."""
        h = notifications
        h.person("demo", given_name="Jeanne", family_name="Dupont", event_type="ACCOUNT_CREATED",
                 postal_address="12 rue des Lilas\n75020 Paris", payload={"provisional_code": "AB12-CD34"})
        event_id, _ = h.publish("demo", payload={"actor_display": "Dr Claire Bernard"})
        assert [n.event_type for n in h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="demo"),
                                                               metadata=h.patient("demo")).notifications] == [
            "AJOUT_DOCUMENT", "ACCOUNT_CREATED"]
        assert [(s.channel, s.state) for s in h.statuses(event_id)] == [(pb.CHANNEL_POSTAL, PENDING)]
        batch = run_batch(h)
        (letter,) = batch.letters
        assert letter.recipient_id == "demo" and letter.notices == 2
        texts = letters_of(batch)
        (text,) = texts.values()
        assert "JEANNE DUPONT" in text and "12 rue des Lilas" in text
        assert "Un nouveau document a été ajouté au profil de Jeanne Dupont par Dr Claire Bernard." in text
        assert "AB12-CD34" in text                        # the creation letter's provisional code
        assert h.mails() == []
        assert [(s.state, s.letter_id) for s in h.statuses(event_id)] == [(SENT, letter.letter_id)]

        h.person("demo", given_name="Jeanne", family_name="Dupont", email="jeanne.dupont@example.test",
                 postal_address="12 rue des Lilas\n75020 Paris", as_of_offset=1)
        second, _ = h.publish("demo")
        (status,) = h.wait_statuses(second, settled)
        assert (status.channel, status.state) == (pb.CHANNEL_EMAIL, SENT)
        assert len(h.wait_mails(1, to="jeanne.dupont@example.test")) == 1
        assert run_batch(h).letter_count == 0

    def test_an_older_snapshot_does_not_undo_a_newer_one(self, notifications):
        h = notifications
        h.person("p1", email="new@example.test", as_of_offset=10)
        h.person("p1", email="old@example.test")
        h.publish("p1")
        assert [m["To"] for m in h.wait_mails(1)] == ["new@example.test"]


class TestBounce:
    def test_a_550_marks_the_address_bad_and_the_notice_goes_to_the_letter_batch(self, notifications):
        h = notifications
        h.smtp.handler.refuse.add("gone@example.test")
        h.person("p1", email="gone@example.test", postal_address="3 place du Marché\n69001 Lyon", given_name="Paul")
        event_id, _ = h.publish("p1")
        statuses = h.wait_statuses(event_id, lambda s: any(x.channel == pb.CHANNEL_POSTAL for x in s))
        by_channel = {s.channel: s for s in statuses}
        assert by_channel[pb.CHANNEL_EMAIL].state == pb.DELIVERY_STATE_FELL_BACK
        assert "550" in by_channel[pb.CHANNEL_EMAIL].last_error
        assert by_channel[pb.CHANNEL_POSTAL].state == PENDING
        assert h.mails() == []
        later, _ = h.publish("p1", "ACCES_DMP_PS", producer="audit")      # straight to the letter now
        assert [s.channel for s in h.statuses(later)] == [pb.CHANNEL_POSTAL]
        batch = run_batch(h)
        assert [(x.recipient_id, x.notices) for x in batch.letters] == [("p1", 2)]
        (text,) = letters_of(batch).values()
        assert "Nouveau document" in text and "Accès à votre dossier" in text

    def test_a_new_address_is_tried_again(self, notifications):
        h = notifications
        h.smtp.handler.refuse.add("gone@example.test")
        h.person("p1", email="gone@example.test", postal_address="1 rue A\n75001 Paris")
        first, _ = h.publish("p1")
        h.wait_statuses(first, lambda s: any(x.channel == pb.CHANNEL_POSTAL for x in s))
        h.person("p1", email="back@example.test", postal_address="1 rue A\n75001 Paris", as_of_offset=1)
        h.publish("p1")
        assert [m["To"] for m in h.wait_mails(1)] == ["back@example.test"]


class TestPreferencesAndQuietHours:
    def test_a_notice_switched_off_is_not_sent_a_mandatory_one_still_is(self, notifications):
        h = notifications
        h.person("p1", email="jeanne@example.test")
        me = h.patient("p1")
        h.stub.UpdatePreferences(pb.UpdatePreferencesRequest(account_id="p1", preferences=pb.Preferences(
            message=True, document=False, appointment=True, synchronized_service=True, screening=True)), metadata=me)
        off, _ = h.publish("p1")
        mandatory, _ = h.publish("p1", "ACCES_DMP_PS", producer="audit")
        assert [(s.state, s.last_error) for s in h.statuses(off)] == [(SKIPPED, "préférence désactivée")]
        assert [s.state for s in h.wait_statuses(mandatory, settled)] == [SENT]
        assert [m["Subject"] for m in h.wait_mails(1)] == ["Accès à votre dossier"]
        assert len(h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="p1"), metadata=me).notifications) == 2

    def test_during_quiet_hours_push_and_email_wait_until_morning_unless_critical(self, notifications, push_endpoint):
        h = notifications
        h.person("p1", email="jeanne@example.test", activated=True)
        me = h.patient("p1")
        subscription = push_endpoint.subscribe()
        h.stub.RegisterPushDevice(pb.RegisterPushDeviceRequest(
            account_id="p1", endpoint=subscription.endpoint, p256dh=subscription.p256dh, auth=subscription.auth_b64),
            metadata=me)
        now = datetime.now(PARIS)
        start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=2)).strftime("%H:%M")
        h.stub.UpdatePreferences(pb.UpdatePreferencesRequest(account_id="p1", preferences=pb.Preferences(
            message=True, document=True, appointment=True, synchronized_service=True, screening=True,
            quiet_hours_start=start, quiet_hours_end=end)), metadata=me)
        quiet, _ = h.publish("p1")
        critical, _ = h.publish("p1", "ACCES_BRIS_GLACE", producer="audit")
        assert {s.state for s in h.wait_statuses(critical, settled)} == {SENT}
        waiting = h.statuses(quiet)
        assert {(s.channel, s.state) for s in waiting} == {(pb.CHANNEL_PUSH, PENDING), (pb.CHANNEL_EMAIL, PENDING)}
        morning = datetime.combine((now + timedelta(hours=2)).date(), datetime.strptime(end, "%H:%M").time(),
                                   tzinfo=PARIS)
        assert {s.not_before.seconds for s in waiting} == {int(morning.timestamp())}
        assert [m["Subject"] for m in h.mails()] == ["Accès en urgence à votre dossier"]
        assert [r.payload["event_type"] for r in push_endpoint.received] == ["ACCES_BRIS_GLACE"]


class TestRetries:
    def test_temporary_failures_retry_then_die_and_an_operator_replays_them(self, notifications):
        h = notifications
        h.smtp.handler.defer.add("busy@example.test")
        h.person("p1", email="busy@example.test")
        event_id, _ = h.publish("p1", "ACCES_DMP_PS", producer="audit")
        (dead,) = h.wait_statuses(event_id, lambda s: s and s[0].state == pb.DELIVERY_STATE_DEAD, timeout=60)
        assert dead.attempts == 8 and "451" in dead.last_error
        listed = h.stub.ListDeadLetters(pb.ListDeadLettersRequest(channel=pb.CHANNEL_EMAIL), metadata=h.operator())
        (letter,) = listed.dead_letters
        assert (letter.dead_letter_id, letter.event_id, letter.recipient_id) == (dead.delivery_id, event_id, "p1")
        assert h.mails() == []
        h.smtp.handler.defer.clear()
        replayed = h.stub.ReplayDeadLetter(pb.ReplayDeadLetterRequest(dead_letter_id=letter.dead_letter_id),
                                           metadata=h.operator())
        assert replayed.status.state == PENDING and replayed.status.attempts == 0
        (status,) = h.wait_statuses(event_id, settled)
        assert status.state == SENT
        (mail,) = h.wait_mails(1)
        assert mail["Message-ID"] == f"<{status.notification_id}@monespacesante.example>"
        assert not h.stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=h.operator()).dead_letters

    def test_only_operators_see_and_replay_dead_letters(self, notifications):
        h = notifications
        for call in (lambda: h.stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=h.patient("p1")),
                     lambda: h.stub.ReplayDeadLetter(pb.ReplayDeadLetterRequest(dead_letter_id="x"),
                                                     metadata=h.patient("p1"))):
            with pytest.raises(grpc.RpcError) as denied:
                call()
            assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_an_event_before_identitys_snapshot_waits_for_it_and_goes_when_it_comes(self, make_notifications):
        h = make_notifications(**AN_HOUR_BETWEEN_RETRIES)   # only the snapshot's arrival can send it in time
        event_id, _ = h.publish("late", "ACCES_DMP_PS", producer="audit")
        (waiting,) = h.wait_statuses(event_id, lambda s: s[0].state == pb.DELIVERY_STATE_RETRYING)
        assert "inconnu" in waiting.last_error
        h.person("late", email="late@example.test")
        (status,) = h.wait_statuses(event_id, settled, timeout=15)
        assert status.state == SENT
        assert [m["To"] for m in h.wait_mails(1)] == ["late@example.test"]
