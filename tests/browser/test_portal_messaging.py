"""The secure messaging in the browser: a GP (MSSanté mailbox) writes to a freshly activated patient
with her prescription attached; she sees it unread, opens it (dated in French, then read), is told
what is wrong with an empty reply and with a file of the wrong format, replies with a file (which
reaches the GP's MSSanté mailbox), saves the GP's attachment into her documents, sends it to the
pharmacy she goes to (what the pharmacy's mailbox receives is checked) and deletes that
conversation; once the GP closes his, she can no longer reply. A reply kept as a draft comes back. She writes first only to a pharmacy;
a professional's session is refused the patient's messaging; the conversation page fits 360 px."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devtools.samples import blank_pdf
from messaging_steps import (mail_to, new_professional, pharmacy_she_went_to, professional_closes,
                             professional_reads, professional_writes, signed_in_professional)
from portal_tabs import log_in

FRENCH_DATE = re.compile(r"Envoyé le \d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                         r"novembre|décembre) \d{4} à \d{1,2} h \d{2}")


@pytest.fixture(scope="module")
def gp(platform):
    professional = new_professional(platform)
    client = signed_in_professional(platform, professional)
    yield professional, client
    client.close()


class TestMessaging:
    def test_messaging_reply_and_prescription_to_a_pharmacy(self, platform, new_tab, activated, gp, tmp_path):
        professional, gp_client = gp
        patient_id = activated["account_id"]
        pharmacy = pharmacy_she_went_to(platform, patient_id)
        prescription = blank_pdf()
        started = professional_writes(gp_client, patient_id, "Votre ordonnance",
                                      "Bonjour Madame,\nvoici l’ordonnance de votre traitement.",
                                      ("ordonnance.pdf", prescription, "application/pdf"))

        tab = new_tab()
        page = log_in(tab, platform, activated)
        tab.submit(page.get_by_role("link", name="Messagerie"))
        item = page.locator(".portal-conversation", has_text="Votre ordonnance")
        expect(item.get_by_text("Non lu")).to_be_visible()
        expect(item).to_contain_text("1 nouveau message")
        expect(item).to_contain_text(professional["family_name"])
        tab.screenshot("messagerie")

        tab.submit(item.get_by_role("link", name="Votre ordonnance"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre ordonnance")
        first = page.locator(".portal-message").first
        expect(first).to_contain_text(professional["family_name"])
        expect(first).to_contain_text(FRENCH_DATE)
        expect(first).to_contain_text("voici l’ordonnance de votre traitement.")
        expect(first.get_by_text("Nouveau")).to_be_visible()
        expect(page.locator("#regles-piece-jointe")).to_contain_text(re.compile(r"Formats acceptés : .*PDF"))
        expect(page.locator("#regles-piece-jointe")).to_contain_text("Taille maximale : 5 Mo par fichier")
        tab.screenshot("conversation")
        with page.expect_download() as downloaded:
            first.get_by_role("link", name="Télécharger « ordonnance.pdf »").click()
        assert downloaded.value.path().read_bytes() == prescription

        # Bad input: an empty reply, then a file of a format that is not accepted (her text kept).
        tab.submit(page.get_by_role("button", name="Envoyer la réponse"))
        expect(page.locator("#message-erreur")).to_contain_text("Écrivez votre message avant de l’envoyer")
        program = tmp_path / "programme.exe"
        program.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
        page.get_by_label("Votre réponse").fill("Merci docteur, voici ma tension.")
        page.get_by_label("Joindre un fichier (facultatif)").set_input_files(program)
        tab.submit(page.get_by_role("button", name="Envoyer la réponse"))
        expect(page.locator("#fichier-erreur")).to_contain_text("Ce format de fichier n’est pas accepté")
        expect(page.get_by_label("Votre réponse")).to_have_value("Merci docteur, voici ma tension.")

        readings = tmp_path / "tension.txt"
        readings.write_text("Tension du matin : 12/8\n", encoding="utf-8")
        page.get_by_label("Joindre un fichier (facultatif)").set_input_files(readings)
        tab.submit(page.get_by_role("button", name="Envoyer la réponse"))
        expect(page.get_by_role("alert")).to_contain_text("Votre message a été envoyé.")
        mine = page.locator(".portal-message--mine")
        expect(mine).to_contain_text("Vous")
        expect(mine).to_contain_text("Merci docteur, voici ma tension.")
        expect(mine).to_contain_text("tension.txt")
        seen_by_gp = professional_reads(gp_client, patient_id, started["conversationId"])
        assert seen_by_gp[-1]["body"] == "Merci docteur, voici ma tension."
        assert [a["filename"] for a in seen_by_gp[-1]["attachments"]] == ["tension.txt"]
        relayed = mail_to(platform, professional["mssante_address"], "Votre ordonnance")
        assert [p.get_filename() for p in relayed.iter_attachments()] == ["tension.txt"]

        # Opened, the conversation is read.
        tab.submit(page.get_by_role("link", name="Revenir à la messagerie"))
        expect(page.locator(".portal-conversation", has_text="Votre ordonnance").get_by_text("Non lu")).to_have_count(0)

        # "Enregistrer dans mes documents": the category is asked for.
        tab.submit(page.locator(".portal-conversation", has_text="Votre ordonnance").get_by_role("link"))
        tab.submit(page.get_by_role("link", name="Enregistrer dans mes documents « ordonnance.pdf »"))
        page.get_by_label("Titre du document").fill("Ordonnance du Dr Bernard")
        tab.submit(page.get_by_role("button", name="Enregistrer dans mes documents"))
        expect(page.locator("#categorie-erreur")).to_contain_text("Choisissez la catégorie du document")
        expect(page.get_by_label("Titre du document")).to_have_value("Ordonnance du Dr Bernard")
        page.get_by_label("Ordonnances et soins").check()
        tab.submit(page.get_by_role("button", name="Enregistrer dans mes documents"))
        expect(page.get_by_role("alert")).to_contain_text("« Ordonnance du Dr Bernard » est enregistré dans vos documents")
        expect(page.get_by_text("Enregistré dans vos documents", exact=True)).to_be_visible()
        tab.submit(page.get_by_role("link", name="Voir mes documents"))
        expect(page.locator(".portal-document", has_text="Ordonnance du Dr Bernard")).to_contain_text(
            "Ordonnances et soins")

        # The prescription to the pharmacy she goes to: nothing chosen is said, then confirmed and sent.
        tab.goto("/messagerie")
        tab.submit(page.get_by_role("link", name="Envoyer une ordonnance à une pharmacie"))
        tab.submit(page.get_by_role("button", name="Continuer"))
        expect(page.locator("#ordonnance-erreur")).to_contain_text("Choisissez l’ordonnance à envoyer")
        expect(page.locator("#pharmacie-erreur")).to_contain_text("Choisissez la pharmacie")
        page.get_by_label("Ordonnance du Dr Bernard").check()
        choice = page.locator(".govuk-radios__item", has_text=pharmacy["name"])
        expect(choice).to_contain_text("Déjà fréquentée")
        choice.get_by_label(pharmacy["name"]).check()
        tab.submit(page.get_by_role("button", name="Continuer"))
        expect(page.get_by_role("heading", name="Vérifiez avant d’envoyer")).to_be_visible()
        expect(page.locator(".govuk-summary-list")).to_contain_text(pharmacy["name"])
        expect(page.locator(".govuk-summary-list")).to_contain_text("Bonjour, je souhaite vous partager mon document")
        tab.submit(page.get_by_role("button", name="Envoyer l’ordonnance"))
        expect(page.get_by_role("alert")).to_contain_text(
            f"Votre ordonnance « Ordonnance du Dr Bernard » a été envoyée à {pharmacy['name']}.")
        expect(page.get_by_role("alert")).to_contain_text("original papier")
        received = mail_to(platform, pharmacy["mssante_address"])
        [part] = list(received.iter_attachments())
        assert part.get_content_type() == "application/pdf" and part.get_content() == prescription
        assert "Bonjour, je souhaite vous partager mon document" in received.get_body(("plain",)).get_content()

        # She deletes the pharmacy's conversation, after a confirmation.
        tab.submit(page.get_by_role("link", name="Supprimer cette conversation"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Supprimer la conversation")
        tab.submit(page.get_by_role("button", name="Oui, supprimer la conversation"))
        expect(page.get_by_role("alert")).to_contain_text("a été supprimée")
        expect(page.locator(".portal-conversation", has_text=pharmacy["name"])).to_have_count(0)

        # Closed by the GP, his conversation takes no more replies.
        professional_closes(gp_client, patient_id, started["conversationId"])
        tab.submit(page.locator(".portal-conversation", has_text="Votre ordonnance").get_by_role("link"))
        expect(page.get_by_text("Le professionnel a clos cette conversation")).to_be_visible()
        expect(page.get_by_role("button", name="Envoyer la réponse")).to_have_count(0)

    def test_she_writes_first_only_to_a_pharmacy(self, platform, new_tab, activated):
        pharmacy = pharmacy_she_went_to(platform, activated["account_id"])
        tab = new_tab()
        page = log_in(tab, platform, activated, path="/connexion?suite=/messagerie")
        tab.submit(page.get_by_role("link", name="Écrire à une pharmacie"))
        expect(page.get_by_text("Vous pouvez écrire en premier seulement à une pharmacie")).to_be_visible()
        tab.submit(page.get_by_role("button", name="Envoyer le message"))
        expect(page.locator("#pharmacie-erreur")).to_contain_text("Choisissez la pharmacie à qui écrire")
        expect(page.locator("#objet-erreur")).to_contain_text("Écrivez l’objet de votre message")
        expect(page.locator("#message-erreur")).to_contain_text("Écrivez votre message")

        expect(page.get_by_label(pharmacy["name"])).to_be_visible()
        # Another pharmacy, found by a search (not one she went to).
        other = pharmacy_she_went_to(platform, activated["account_id"], visited=False)
        page.get_by_label("Chercher une autre pharmacie").fill(other["name"])
        tab.submit(page.get_by_role("button", name="Chercher"))
        found = page.locator(".govuk-radios__item", has_text=other["name"])
        expect(found).not_to_contain_text("Déjà fréquentée")
        found.get_by_label(other["name"]).check()
        page.get_by_label("Objet").fill("Disponibilité d’un médicament")
        page.get_by_label("Votre message").fill("Bonjour, avez-vous du paracétamol en sirop ?")
        tab.submit(page.get_by_role("button", name="Envoyer le message"))
        expect(page.get_by_role("alert")).to_contain_text("Votre message a été envoyé.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Disponibilité d’un médicament")
        received = mail_to(platform, other["mssante_address"], "Disponibilité")
        assert "paracétamol en sirop" in received.get_body(("plain",)).get_content()

    def test_the_conversation_on_a_phone_and_a_professional_session_refused(self, platform, new_tab, activated, gp):
        professional, gp_client = gp
        professional_writes(gp_client, activated["account_id"], "Résultats de votre prise de sang",
                            "Bonjour Madame,\nvos résultats sont bons.", ("resultats.pdf", blank_pdf(), "application/pdf"))
        tab = new_tab(360)
        page = log_in(tab, platform, activated, path="/connexion?suite=/messagerie")
        tab.screenshot("messagerie")
        tab.submit(page.get_by_role("link", name="Résultats de votre prise de sang"))
        expect(page.locator(".portal-message")).to_contain_text("vos résultats sont bons.")
        tab.screenshot("conversation")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # A reply kept as a draft: shown again when she comes back, then sent.
        page.get_by_label("Votre réponse").fill("Merci docteur, je reprends rendez-vous.")
        tab.submit(page.get_by_role("button", name="Enregistrer le brouillon"))
        expect(page.get_by_role("alert")).to_contain_text("Votre brouillon est enregistré")
        tab.submit(page.get_by_role("link", name="Revenir à la messagerie"))
        item = page.locator(".portal-conversation", has_text="Résultats de votre prise de sang")
        expect(item.get_by_text("Brouillon")).to_be_visible()
        tab.submit(item.get_by_role("link"))
        expect(page.locator("#brouillon")).to_contain_text(re.compile(r"Brouillon enregistré le \d"))
        expect(page.get_by_label("Votre réponse")).to_have_value("Merci docteur, je reprends rendez-vous.")
        tab.submit(page.get_by_role("button", name="Envoyer la réponse"))
        expect(page.get_by_role("alert")).to_contain_text("Votre message a été envoyé.")
        expect(page.locator(".portal-message--mine")).to_contain_text("Merci docteur, je reprends rendez-vous.")
        expect(page.locator("#brouillon")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        as_professional = new_tab()
        log_in(as_professional, platform, {**professional, "password": activated["password"]})
        refused = as_professional.goto("/messagerie")
        expect(refused.get_by_role("heading", level=1)).to_have_text("Page réservée aux patients")
