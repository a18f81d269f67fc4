"""The bell: a professional deposits a document in the patient's space, the menu's badge shows it
(polled by the page's script), the patient reads it on /notifications and marks it read, deletes
it; her preferences, with a wrong hour refused in French."""
from __future__ import annotations

from playwright.sync_api import expect

from devtools.eventually import eventually
from portal_tabs import log_in
from records_steps import deposit, new_professional, professional_client, unique


class TestNotifications:
    def test_a_deposited_document_rings_the_bell_then_is_marked_read(self, platform, new_tab, activated):
        tab = new_tab()
        page = log_in(tab, platform, activated, "/notifications")
        tab.submit(page.get_by_role("button", name="Tout marquer comme lu"))
        expect(page.get_by_text("Aucune notification non lue.")).to_be_visible()
        expect(page.locator("[data-unread-count]")).to_have_text("")

        gp = new_professional(platform, unique("Bernard"))
        client = professional_client(platform, gp)
        try:
            deposit(client, activated["account_id"], "Compte rendu de consultation")
        finally:
            client.close()
        badge = page.locator("[data-unread-count]")

        def rung() -> bool:
            """The page, not reloaded, asks again when its tab comes back (as it does every 30 s)."""
            page.evaluate("window.dispatchEvent(new Event('focus'))")
            return badge.text_content() == "1 non lue"
        eventually(rung, 30, 0.5, what="the bell's badge showing the notice")
        expect(badge).to_have_attribute("aria-live", "polite")
        tab.goto("/notifications")
        item = page.locator(".portal-notification", has_text="Non lue").first
        expect(item).to_be_visible()
        tab.screenshot("notifications")
        tab.submit(item.get_by_role("button", name="Marquer comme lue"))
        expect(page.get_by_role("alert")).to_contain_text("marquée comme lue")
        expect(page.get_by_text("Aucune notification non lue.")).to_be_visible()
        expect(badge).to_have_text("")
        count = page.locator(".portal-notification").count()
        tab.submit(page.locator(".portal-notification").first.get_by_role("button", name="Supprimer"))
        expect(page.get_by_role("alert")).to_contain_text("supprimée")
        expect(page.locator(".portal-notification")).to_have_count(count - 1)

    def test_preferences_with_a_wrong_hour_then_saved(self, platform, new_tab, activated):
        tab = new_tab(360)
        page = log_in(tab, platform, activated, "/notifications/preferences")
        expect(page.get_by_label("Les nouveaux messages")).to_be_checked()
        page.get_by_label("Les dépistages organisés des cancers").uncheck()
        page.get_by_label("À partir de").fill("25:00")
        page.get_by_label("Jusqu’à").fill("07:00")
        tab.submit(page.get_by_role("button", name="Enregistrer mes préférences"))
        expect(page.locator("#debut-erreur")).to_contain_text("Saisissez une heure comme 22:00")
        expect(page.get_by_label("Jusqu’à")).to_have_value("07:00")
        expect(page.get_by_label("Les dépistages organisés des cancers")).not_to_be_checked()
        page.get_by_label("À partir de").fill("21:30")
        tab.submit(page.get_by_role("button", name="Enregistrer mes préférences"))
        expect(page.get_by_role("alert")).to_contain_text("sont enregistrées")
        expect(page.get_by_label("Les dépistages organisés des cancers")).not_to_be_checked()
        expect(page.get_by_label("À partir de")).to_have_value("21:30")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
