"""The demo mode: a visitor without an account opens Jacqueline's fictitious space, sees sample
content on every page of the menu with the demo banner, uploads a document that only her own demo
shows, starts again, leaves; nothing reaches the platform."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from portal.rendering import PATIENT_MENU

BANNER = "Mode démo : ces données sont fictives. Rien de ce que vous faites ici n’est enregistré."
DEMO_EMAIL = "jacqueline.martin@demo.example"


def start_demo(tab):
    page = tab.goto("/demo")
    expect(page.get_by_role("heading", name="Découvrir Mon espace santé avec le mode démo")).to_be_visible()
    tab.submit(page.get_by_role("button", name="Découvrir le mode démo"))
    expect(page.get_by_text(BANNER)).to_be_visible()
    return page


class TestDemo:
    def test_a_visitor_tries_the_demo_without_an_account(self, platform, new_tab, tmp_path):
        tab = new_tab()
        page = tab.goto("/connexion")
        tab.submit(page.get_by_role("link", name="Découvrir le mode démo"))
        page = start_demo(tab)
        expect(page.get_by_role("heading", name="Bonjour Jacqueline")).to_be_visible()
        expect(page.get_by_role("link", name="Compte rendu du bilan sanguin")).to_be_visible()
        expect(page.get_by_text("2 notifications non lues")).to_be_visible()
        expect(page.get_by_text("Consultation de suivi")).to_be_visible()
        tab.screenshot("demo-accueil")

        for path, label in PATIENT_MENU:
            page = tab.goto(path)
            expect(page.get_by_text(BANNER)).to_be_visible()
            failed = page.get_by_role("heading", name=re.compile("Une erreur|introuvable|refusé"))
            assert failed.count() == 0, f"{path}: {failed.first.text_content()}"
        page = tab.goto("/documents")
        expect(page.locator(".portal-document", has_text="Radio du genou droit")).to_contain_text(
            "Radio, écho, scanner, IRM — ajouté par Centre d’imagerie Voltaire")
        with page.expect_download() as downloaded:
            page.locator(".portal-document", has_text="Radio du genou droit").get_by_role(
                "link", name=re.compile("^Télécharger")).click()
        assert downloaded.value.path().read_bytes().startswith(b"%PDF")

        # Upload: a bad file refused as the real platform does, then a PDF kept in her demo only.
        tab.submit(page.get_by_role("link", name="Ajouter un document"))
        expect(page.locator("#regles-fichier")).to_contain_text("Taille maximale : 1 Mo")
        program = tmp_path / "programme.exe"
        program.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
        page.get_by_label("Fichier").set_input_files(program)
        page.get_by_label("Catégorie").select_option(label="Autres documents")
        page.get_by_role("button", name="Ajouter le document").click()     # answered in the page by portal.js
        expect(page.locator("#fichier-erreur")).to_contain_text("Ce format de fichier n’est pas accepté")
        tab.audit()
        pdf = tmp_path / "ma-demo.pdf"
        pdf.write_bytes(blank_pdf())
        page.get_by_label("Fichier").set_input_files(pdf)
        page.get_by_label("Titre (facultatif)").fill("Mon essai en démo")
        page.get_by_label("Catégorie").select_option(label="Autres documents")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page.get_by_role("alert")).to_contain_text("« Mon essai en démo » a été ajouté")
        item = page.locator(".portal-document", has_text="Mon essai en démo")
        expect(item).to_be_visible()
        tab.submit(item.get_by_role("button", name=re.compile("^Masquer aux professionnels")))
        expect(item.get_by_text("Masqué aux professionnels")).to_be_visible()

        # Another visitor's demo is her own: without that document.
        other = new_tab()
        other_page = start_demo(other)
        other.goto("/documents")
        expect(other_page.get_by_role("heading", name="Compte rendu du bilan sanguin")).to_be_visible()
        expect(other_page.get_by_role("heading", name="Mon essai en démo")).to_have_count(0)

        # Starting again brings the demo back to its beginning; leaving it ends the session.
        tab.submit(page.get_by_role("button", name="Recommencer la démo"))
        expect(page.get_by_role("alert")).to_contain_text("La démo a recommencé depuis le début.")
        tab.goto("/documents")
        expect(page.get_by_role("heading", name="Radio du genou droit")).to_be_visible()
        expect(page.get_by_role("heading", name="Mon essai en démo")).to_have_count(0)
        tab.submit(page.get_by_role("button", name="Quitter le mode démo"))
        expect(page.get_by_role("alert")).to_contain_text("Vous avez quitté le mode démo.")
        expect(page.get_by_text(BANNER)).to_have_count(0)
        tab.goto("/documents")
        expect(page).to_have_url(re.compile(r"/connexion\?suite=%2Fdocuments$"))

        # The platform got nothing: no mail to the demo's address, and a demo token means nothing to it.
        assert not [m for m in read_mails(platform.mail_dir) if DEMO_EMAIL in m["To"]]   # an address only the demo has
        refused = httpx.get(platform.gateway_url + "/v1/accounts/me", headers={"authorization": "Bearer demo:x"},
                            timeout=10)
        assert refused.status_code == 401

    def test_the_demo_home_on_a_phone(self, new_tab):
        tab = new_tab(360)
        page = start_demo(tab)
        tab.screenshot("demo-accueil")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        tab.goto("/demo")
        expect(page.get_by_role("button", name="Recommencer la démo")).to_have_count(2)
        tab.screenshot("demo")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
