"""What a notice looks like on the wire and on paper: MIME parts a standard parser reads back,
SMTP dot-stuffing, a PDF letter whose text can be extracted (no I/O: everything in memory)."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from email import message_from_bytes, policy

from pypdf import PdfReader

from notifications.adapters.letters import latin1, render_letter
from notifications.adapters.mail import MailRenderer
from notifications.adapters.smtp import wire_format
from notifications.domain.catalog import PROFESSIONAL_NOTICES, notice_for
from notifications.domain.content import compose, compose_for_professional
from notifications.domain.models import LetterNotice, LetterToRender

SENDER = "Mon espace santé <ne-pas-repondre@monespacesante.example>"
NOTIFICATION = "a4217983-4d58-547b-91b0-5414bcb63927"


def content(event_type="ACCES_BRIS_GLACE", **payload):
    return compose(notice_for(event_type), payload or {"actor_display": "Dr Zoé Lefèvre"},
                   profile_name="Jeanne Martin", recipient_name="Jeanne", public_url="https://mes.test")


class TestMime:
    def test_a_standard_parser_reads_both_parts_and_every_header(self):
        raw = MailRenderer(SENDER, "https://mes.test").render(
            to="jeanne@example.test", content=content(), notification_id=NOTIFICATION, unsubscribe=None,
            date=datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc))
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        mail = message_from_bytes(raw, policy=policy.default)
        assert mail["Subject"] == "Accès en urgence à votre dossier"
        assert mail["From"].addresses[0].display_name == "Mon espace santé"
        assert mail["Message-ID"] == f"<{NOTIFICATION}@monespacesante.example>"
        assert mail["Date"].datetime == datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc)
        assert mail["List-Unsubscribe"] is None
        assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
        text = mail.get_body(("plain",)).get_content()
        assert "Dr Zoé Lefèvre a accédé en urgence au dossier médical de Jeanne Martin." in text
        assert "Bonjour Jeanne," in text

    def test_the_same_notification_always_has_the_same_message_id(self):
        renderer = MailRenderer(SENDER, "https://mes.test")
        ids = {message_from_bytes(renderer.render(to="a@example.test", content=content(), notification_id=NOTIFICATION,
                                                  unsubscribe=None), policy=policy.default)["Message-ID"]
               for _ in range(3)}
        assert len(ids) == 1

    def test_optional_mail_carries_a_one_click_unsubscribe(self):
        raw = MailRenderer(SENDER, "https://mes.test/").render(
            to="a@example.test", content=content("AJOUT_DOCUMENT"), notification_id=NOTIFICATION,
            unsubscribe=("tok-en_1", "document"))
        mail = message_from_bytes(raw, policy=policy.default)
        assert mail["List-Unsubscribe"] == ("<https://mes.test/v1/notification-preferences:unsubscribe"
                                            "?token=tok-en_1&category=document>")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    def test_long_lines_are_wrapped_by_quoted_printable_and_read_back_whole(self):
        long_actor = "Centre hospitalier " + "très " * 60 + "lointain"
        raw = MailRenderer(SENDER, "https://mes.test").render(
            to="a@example.test", content=content(actor_display=long_actor), notification_id=NOTIFICATION,
            unsubscribe=None)
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        mail = message_from_bytes(raw, policy=policy.default)
        assert long_actor[:200] in mail.get_body(("plain",)).get_content()


class TestWords:
    def test_an_actor_given_as_a_phrase_reads_inside_the_sentence(self):
        said = content("AJOUT_DOCUMENT", actor_display="Un professionnel de santé").lines[0]
        assert said == "Un nouveau document a été ajouté au profil de Jeanne Martin par un professionnel de santé."

    def test_no_actor_means_a_professional(self):
        assert content("ACCES_DMP_PS", other="x").lines[0] == (
            "Un professionnel de santé a accédé au dossier médical de Jeanne Martin.")


class TestProfessionalMail:
    def mail(self, event_type, payload, patient_name=""):
        content = compose_for_professional(PROFESSIONAL_NOTICES[event_type], payload, patient_name=patient_name,
                                           occurred_at=datetime(2026, 12, 1, 22, 5, tzinfo=timezone.utc))
        raw = MailRenderer(SENDER, "https://mes.test").render(to="dr@example.test", content=content,
                                                              notification_id=NOTIFICATION, unsubscribe=None)
        return message_from_bytes(raw, policy=policy.default)

    def test_the_reminder_gives_the_paris_date_and_neither_the_patient_nor_a_link(self):
        mail = self.mail("RAPPEL_CONSULTATION_ANNONCE", {"document_id": "doc-42",
                                                         "visible_from": "2027-01-14T23:30:00+00:00"})
        text, html = (mail.get_body((kind,)).get_content() for kind in ("plain", "html"))
        assert text.startswith("Bonjour,\r\n") and "dans les deux semaines" in text
        assert "visible pour le patient le 15/01/2027." in text and "Référence du document : doc-42" in text
        assert "https://mes.test" not in text + html and "Se connecter" not in html
        assert "en tant que professionnel de santé" in text and "toujours envoyé" not in text

    def test_a_reminder_without_a_date_says_when_in_words(self):
        text = self.mail("RAPPEL_CONSULTATION_ANNONCE", {}).get_body(("plain",)).get_content()
        assert "visible pour le patient un mois après son dépôt." in text and "Référence" not in text

    def test_the_general_practitioner_is_told_who_and_when_in_paris_time(self):
        text = self.mail("ACCES_BRIS_GLACE", {"actor_display": "Dr Paul Urgentiste"}, "Jeanne Martin") \
            .get_body(("plain",)).get_content()
        assert ("Votre patient(e) Jeanne Martin a fait l'objet d'un accès en urgence à son dossier médical par "
                "Dr Paul Urgentiste, le 01/12/2026 à 23:05.") in text


class TestWireFormat:
    def test_lines_starting_with_a_dot_are_doubled_and_line_ends_are_crlf(self):
        assert wire_format(b"a\n.b\r\n..c\rd") == b"a\r\n..b\r\n...c\r\nd\r\n"

    def test_the_final_dot_is_left_to_the_caller(self):
        assert wire_format(b"body\r\n") == b"body\r\n"


class TestLetter:
    def test_a_pdf_letter_with_address_date_and_every_notice(self):
        letter = LetterToRender("ref-1", "p1", "Jeanne", "Dupont", "12 rue des Lilas\n75020 Paris", "ref-1.pdf", (
            LetterNotice("ACCOUNT_CREATED", "Jeanne Dupont", {"provisional_code": "AB12-CD34"},
                         datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)),
            LetterNotice("ACCES_DMP_PS", "Jeanne Dupont", {"actor_display": "Pharmacie de l’Église"}, None)))
        data, pages = render_letter(letter, date(2026, 3, 1), "https://mes.test")
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == pages == 1
        text = reader.pages[0].extract_text()
        for expected in ("JEANNE DUPONT", "12 rue des Lilas", "75020 Paris", "Le 1er mars 2026",
                         "Votre profil Mon espace santé a été créé (10/03/2026)", "Code provisoire : AB12-CD34",
                         "Pharmacie de l'Église a accédé au dossier médical de Jeanne Dupont.", "Réf. ref-1"):
            assert expected in text, expected

    def test_text_outside_latin_1_gets_a_plain_equivalent(self):
        assert latin1("l’œuvre … 10 €") == "l'oeuvre ... 10 EUR"
        assert latin1("漢") == "?"
