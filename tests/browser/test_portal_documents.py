"""A signed-in patient uploads a PDF (formats and limit said before she chooses), sees it in her
list, downloads it, masks it from professionals and unmasks it."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from portal_tabs import log_in
from devtools.samples import blank_pdf


class TestDocuments:
    def test_upload_a_pdf_then_mask_and_unmask_it(self, platform, new_tab, activated, tmp_path):
        tab = new_tab()
        page = log_in(tab, platform, activated)
        tab.submit(page.get_by_role("link", name="Ajouter un document"))
        expect(page.locator("#regles-fichier")).to_contain_text(re.compile(r"Formats acceptés : .*PDF"))
        expect(page.locator("#regles-fichier")).to_contain_text("Taille maximale : 5 Mo")

        # Nothing chosen, a date in the future: said next to the fields, the title kept.
        page.get_by_label("Titre (facultatif)").fill("Ordonnance du Dr Bernard")
        page.get_by_label("Jour").fill("1")
        page.get_by_label("Mois").fill("1")
        page.get_by_label("Année").fill("2999")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page.locator("#fichier-erreur")).to_contain_text("Choisissez le fichier à ajouter")
        expect(page.locator("#categorie-erreur")).to_contain_text("Choisissez la catégorie")
        expect(page.locator("#jour-erreur")).to_contain_text("aujourd’hui ou dans le passé")
        expect(page.get_by_label("Titre (facultatif)")).to_have_value("Ordonnance du Dr Bernard")

        # A file that is not an accepted format.
        script = tmp_path / "programme.exe"
        script.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
        page.get_by_label("Fichier").set_input_files(script)
        page.get_by_label("Catégorie").select_option(label="Ordonnances et soins")
        page.get_by_label("Année").fill("2026")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page.locator("#fichier-erreur")).to_contain_text("Ce format de fichier n’est pas accepté")

        pdf = tmp_path / "ordonnance.pdf"
        pdf.write_bytes(blank_pdf())
        page.get_by_label("Fichier").set_input_files(pdf)
        page.get_by_label("Catégorie").select_option(label="Ordonnances et soins")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page).to_have_url(platform.portal_url + "/documents")
        expect(page.get_by_role("alert")).to_contain_text("« Ordonnance du Dr Bernard » a été ajouté")
        item = page.locator(".portal-document", has_text="Ordonnance du Dr Bernard")
        expect(item).to_contain_text("1 janvier 2026 — Ordonnances et soins — ajouté par")
        tab.screenshot("documents")

        with page.expect_download() as downloaded:
            item.get_by_role("link", name=re.compile("^Télécharger")).click()
        assert downloaded.value.path().read_bytes().startswith(b"%PDF")

        tab.submit(item.get_by_role("button", name=re.compile("^Masquer aux professionnels")))
        expect(page.get_by_role("alert")).to_contain_text("est masqué aux professionnels de santé")
        expect(item.get_by_text("Masqué aux professionnels")).to_be_visible()
        tab.submit(item.get_by_role("button", name=re.compile("^Ne plus masquer")))
        expect(page.get_by_role("alert")).to_contain_text("de nouveau visible")
        expect(item.get_by_text("Masqué aux professionnels")).to_have_count(0)

        # The filter by category: another category shows nothing; the home lists it.
        page.get_by_label("Catégorie").select_option(label="Résultats de biologie")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.get_by_text("Aucun document dans la catégorie « Résultats de biologie ».")).to_be_visible()
        tab.submit(page.get_by_role("link", name="Accueil"))
        expect(page.get_by_role("link", name="Ordonnance du Dr Bernard")).to_be_visible()

    def test_the_phone_layout_of_home_and_documents(self, platform, new_tab, activated):
        tab = new_tab(360)
        page = log_in(tab, platform, activated)
        tab.screenshot("accueil")
        tab.goto("/documents")
        expect(page.get_by_role("heading", name="Mes documents")).to_be_visible()
        tab.screenshot("documents")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
