"""The activity history: a patient signs in, adds a document, and sees her own actions in her
history, with the badge saying the portal verified them against the audit log's signed tree head;
the filters; the page at 360 px."""
from __future__ import annotations

from playwright.sync_api import expect

from devtools.samples import blank_pdf
from portal_tabs import log_in


class TestHistory:
    def test_her_own_actions_with_the_verified_badge(self, platform, new_tab, activated, tmp_path):
        tab = new_tab()
        page = log_in(tab, platform, activated)
        tab.goto("/documents/ajouter")
        pdf = tmp_path / "analyse.pdf"
        pdf.write_bytes(blank_pdf())
        page.get_by_label("Fichier").set_input_files(pdf)
        page.get_by_label("Titre (facultatif)").fill("Prise de sang de novembre")
        page.get_by_label("Catégorie").select_option(label="Résultats de biologie")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page.get_by_role("alert")).to_contain_text("a été ajouté")

        tab.submit(page.get_by_role("link", name="Historique"))
        expect(page.get_by_role("heading", name="Historique d’activité")).to_be_visible()
        check = page.locator("#verification")
        expect(check.locator(".govuk-tag--green")).to_have_text("Historique vérifié")
        expect(check).to_contain_text("inscriptions, signé le")
        login = page.locator(".portal-history__item", has_text="Connexion à votre profil").first
        expect(login).to_contain_text("Vous — Connexion")
        expect(page.locator(".portal-history__item", has_text="Activation de votre profil")).to_be_visible()
        expect(page.locator(".portal-history__item .govuk-tag--red")).to_have_count(0)
        tab.screenshot("historique")

        # Again: the head remembered from the first visit is proved extended by the new one.
        tab.goto("/historique")
        expect(check.locator(".govuk-tag--green")).to_have_text("Historique vérifié")

        # The filters: documents only; then an unknown value is ignored, not an error.
        page.get_by_label("Sur quoi").select_option(label="Documents")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.locator(".portal-history__item", has_text="Connexion à votre profil")).to_have_count(0)
        expect(page.locator(".portal-history__item").first).to_be_visible()
        page.get_by_label("Qui a agi").select_option(label="Les professionnels de santé")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.get_by_text("Aucune action ne correspond à votre choix.")).to_be_visible()
        tab.goto("/historique?qui=pirate&quoi=%3Cscript%3E&periode=99")
        expect(page.get_by_label("Qui a agi")).to_have_value("")
        expect(page.locator(".portal-history__item", has_text="Connexion à votre profil").first).to_be_visible()

    def test_the_phone_layout_of_the_history(self, platform, new_tab, activated):
        tab = new_tab(360)
        page = log_in(tab, platform, activated, "/historique")
        expect(page.get_by_role("heading", name="Historique d’activité")).to_be_visible()
        expect(page.locator("#verification .govuk-tag--green")).to_have_text("Historique vérifié")
        tab.screenshot("historique")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
