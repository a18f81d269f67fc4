"""A signed-in patient uploads a PDF (formats and limit said before she chooses, its progress shown),
sees it in her list, downloads it, masks it from professionals and unmasks it; on a document's page
she renames, re-dates and re-categorises it, files it in a folder she created, filters her list by
that folder and deletes it; she masks all her documents at once."""
from __future__ import annotations

import os
import re

from playwright.sync_api import Page, expect

from portal_tabs import Tab, log_in
from devtools.samples import blank_pdf

# Records, in every page of the tab, what the upload's progress area says while it is shown.
WATCH_PROGRESS = """
new MutationObserver(() => {
  const box = document.getElementById('envoi')
  const text = document.getElementById('envoi-texte')
  if (box && !box.hidden && box.querySelector('progress') && text && text.textContent) {
    window.portalSawProgress(text.textContent)
  }
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
"""


def large_pdf(size: int) -> bytes:
    """A valid one-page PDF of about `size` bytes (a long comment in its content stream)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    content = DecodedStreamObject()
    content.set_data(b"\n".join(b"% " + os.urandom(40).hex().encode() for _ in range(size // 83)) + b"\n")
    page[NameObject("/Contents")] = writer._add_object(content)
    import io
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refused(tab: Tab, button) -> Page:
    """The upload form sent (by portal.js) and answered in the same page with its errors."""
    button.click()
    expect(tab.page.locator(".govuk-error-summary")).to_be_visible()
    return tab.audit()


def upload(tab: Tab, path, title: str, category: str = "Ordonnances et soins") -> Page:
    page = tab.goto("/documents/ajouter")
    page.get_by_label("Fichier").set_input_files(path)
    page.get_by_label("Titre (facultatif)").fill(title)
    page.get_by_label("Catégorie").select_option(label=category)
    tab.submit(page.get_by_role("button", name="Ajouter le document"))
    expect(page.get_by_role("alert")).to_contain_text(f"« {title} » a été ajouté")
    return page


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
        refused(tab, page.get_by_role("button", name="Ajouter le document"))
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
        refused(tab, page.get_by_role("button", name="Ajouter le document"))
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

    def test_the_phone_layout_of_home_documents_and_a_document(self, platform, new_tab, activated, tmp_path):
        tab = new_tab(360)
        page = log_in(tab, platform, activated)
        tab.screenshot("accueil")
        tab.goto("/documents")
        expect(page.get_by_role("heading", name="Mes documents")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        pdf = tmp_path / "analyse.pdf"
        pdf.write_bytes(blank_pdf())
        upload(tab, pdf, "Analyse de sang de mars", "Résultats de biologie")
        tab.screenshot("documents")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        tab.submit(page.get_by_role("link", name="Analyse de sang de mars", exact=True))
        expect(page.get_by_role("heading", name="Analyse de sang de mars")).to_be_visible()
        tab.screenshot("document")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    def test_a_document_page_edits_files_and_deletes_it(self, platform, new_tab, activated, tmp_path):
        tab = new_tab()
        page = log_in(tab, platform, activated)
        pdf = tmp_path / "ordonnance.pdf"
        pdf.write_bytes(blank_pdf())
        upload(tab, pdf, "Ordonnance du Dr Martin")
        upload(tab, pdf, "Radio du genou", "Radio, écho, scanner, IRM")

        tab.submit(page.get_by_role("link", name="Ordonnance du Dr Martin", exact=True))
        details = page.locator(".govuk-summary-list")
        expect(details).to_contain_text("Ordonnances et soins")
        expect(details).to_contain_text("PDF")
        expect(details).to_contain_text("Visible par vous et par les professionnels de santé autorisés")
        tab.screenshot("document")

        # A date that does not exist: said in French next to the date, what she typed kept.
        page.get_by_label("Titre").fill("Ordonnance renouvelée")
        page.get_by_label("Jour").fill("31")
        page.get_by_label("Mois").fill("2")
        page.get_by_label("Année").fill("2025")
        tab.submit(page.get_by_role("button", name="Enregistrer les modifications"))
        expect(page.locator("#jour-erreur")).to_contain_text("La date du document doit être une vraie date")
        expect(page.get_by_label("Jour")).to_have_value("31")
        expect(page.get_by_label("Titre")).to_have_value("Ordonnance renouvelée")
        # An empty title is refused too.
        page.get_by_label("Titre").fill("  ")
        page.get_by_label("Jour").fill("15")
        page.get_by_label("Mois").fill("3")
        tab.submit(page.get_by_role("button", name="Enregistrer les modifications"))
        expect(page.locator("#titre-erreur")).to_contain_text("Saisissez le titre du document")

        page.get_by_label("Titre").fill("Ordonnance renouvelée")
        page.get_by_label("Catégorie").select_option(label="Comptes rendus")
        tab.submit(page.get_by_role("button", name="Enregistrer les modifications"))
        expect(page.get_by_role("alert")).to_contain_text("Les informations du document ont été enregistrées")
        expect(page.get_by_role("heading", name="Ordonnance renouvelée", level=1)).to_be_visible()
        expect(details).to_contain_text("15 mars 2025")
        expect(details).to_contain_text("Comptes rendus")

        # A folder: a name missing, then created, renamed; the document filed in it.
        tab.submit(page.get_by_role("link", name="Gérer mes dossiers"))
        tab.submit(page.get_by_role("button", name="Créer le dossier"))
        expect(page.locator("#nom-erreur")).to_contain_text("Saisissez le nom du dossier")
        page.get_by_label("Nom du nouveau dossier").fill("Cardiologie")
        tab.submit(page.get_by_role("button", name="Créer le dossier"))
        expect(page.get_by_role("alert")).to_contain_text("Le dossier « Cardiologie » a été créé")
        tab.submit(page.get_by_role("link", name="Renommer le dossier « Cardiologie »"))
        page.get_by_label("Nouveau nom").fill("x" * 51)
        tab.submit(page.get_by_role("button", name="Renommer le dossier"))
        expect(page.locator("#nom-erreur")).to_contain_text("au plus 50 caractères")
        page.get_by_label("Nouveau nom").fill("Mon cœur")
        tab.submit(page.get_by_role("button", name="Renommer le dossier"))
        expect(page.get_by_role("alert")).to_contain_text("s’appelle maintenant « Mon cœur »")

        tab.goto("/documents")
        tab.submit(page.get_by_role("link", name="Ordonnance renouvelée", exact=True))
        page.get_by_label("Dossier").select_option(label="Mon cœur")
        tab.submit(page.get_by_role("button", name="Ranger le document"))
        expect(page.get_by_role("alert")).to_contain_text("rangé dans le dossier « Mon cœur »")
        expect(details).to_contain_text("Mon cœur")

        tab.goto("/documents")
        page.get_by_label("Dossier").select_option(label="Mon cœur")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.get_by_text("1 document dans le dossier « Mon cœur »")).to_be_visible()
        expect(page.locator(".portal-document", has_text="Ordonnance renouvelée")).to_be_visible()
        expect(page.locator(".portal-document", has_text="Radio du genou")).to_have_count(0)
        # Sorting by title keeps the folder chosen; all folders again shows both, A to Z.
        page.get_by_label("Ordre").select_option(label="Par titre, de A à Z")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.get_by_label("Dossier")).to_have_value(re.compile(".+"))
        expect(page.locator(".portal-document")).to_have_count(1)
        page.get_by_label("Dossier").select_option(label="Tous les dossiers")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.locator(".portal-document h2")).to_have_text([re.compile("^Ordonnance renouvelée"),
                                                                 re.compile("^Radio du genou")])
        page.get_by_label("Ordre").select_option(label="Par titre, de Z à A")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.locator(".portal-document h2")).to_have_text([re.compile("^Radio du genou"),
                                                                 re.compile("^Ordonnance renouvelée")])
        tab.goto("/documents/dossiers")
        expect(page.locator(".portal-document", has_text="Mon cœur")).to_contain_text("1 document")

        # Deleting it, after a confirmation.
        tab.goto("/documents")
        tab.submit(page.get_by_role("link", name="Ordonnance renouvelée", exact=True))
        tab.submit(page.get_by_role("link", name="Supprimer le document"))
        expect(page.get_by_role("heading", name="Supprimer « Ordonnance renouvelée » ?")).to_be_visible()
        tab.submit(page.get_by_role("button", name="Oui, supprimer le document"))
        expect(page.get_by_role("alert")).to_contain_text("« Ordonnance renouvelée » a été supprimé")
        expect(page.locator(".portal-document", has_text="Ordonnance renouvelée")).to_have_count(0)
        expect(page.locator(".portal-document", has_text="Radio du genou")).to_be_visible()

        # Deleting the folder keeps the documents.
        tab.goto("/documents/dossiers")
        tab.submit(page.get_by_role("link", name="Supprimer le dossier « Mon cœur »"))
        tab.submit(page.get_by_role("button", name="Oui, supprimer le dossier"))
        expect(page.get_by_role("alert")).to_contain_text("Le dossier « Mon cœur » a été supprimé")
        expect(page.get_by_text("Vous n’avez encore aucun dossier.")).to_be_visible()

    def test_a_large_upload_shows_its_progress_then_she_masks_everything(self, platform, new_tab, activated,
                                                                          tmp_path):
        tab = new_tab()
        seen: list[str] = []
        tab.page.expose_function("portalSawProgress", lambda text: seen.append(text))
        tab.page.add_init_script(WATCH_PROGRESS)
        page = log_in(tab, platform, activated)
        big = tmp_path / "scanner.pdf"
        big.write_bytes(large_pdf(3_000_000))
        assert len(big.read_bytes()) > 2_900_000
        upload(tab, big, "Scanner thoracique", "Radio, écho, scanner, IRM")
        expect(page).to_have_url(platform.portal_url + "/documents")
        assert any(re.fullmatch(r"Envoi : \d+ %.*", text) for text in seen), seen
        small = tmp_path / "certificat.pdf"
        small.write_bytes(blank_pdf())
        upload(tab, small, "Certificat de sport", "Certificats médicaux")
        expect(page.locator(".portal-document")).to_have_count(2)

        tab.submit(page.get_by_role("link", name="Masquer tous mes documents"))
        expect(page.get_by_role("link", name="Accès à mes données").last).to_have_attribute("href", "/acces")
        tab.submit(page.get_by_role("button", name="Oui, masquer tous mes documents"))
        expect(page.get_by_role("alert")).to_contain_text("Tous vos documents sont masqués aux professionnels")
        for item in page.locator(".portal-document").all():
            expect(item.get_by_text("Masqué aux professionnels")).to_be_visible()

    def test_without_the_script_the_upload_is_a_plain_form_post(self, platform, new_tab, activated, tmp_path):
        tab = new_tab()
        tab.page.route("**/assets/portail/portal.js*", lambda route: route.abort())     # as without JavaScript
        page = log_in(tab, platform, activated)
        tab.goto("/documents/ajouter")
        page.get_by_label("Catégorie").select_option(label="Autres documents")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page.locator("#fichier-erreur")).to_contain_text("Choisissez le fichier à ajouter")
        expect(page.locator("#envoi")).to_be_hidden()
        pdf = tmp_path / "courrier.pdf"
        pdf.write_bytes(blank_pdf())
        page.get_by_label("Fichier").set_input_files(pdf)
        page.get_by_label("Titre (facultatif)").fill("Courrier de la mutuelle")
        tab.submit(page.get_by_role("button", name="Ajouter le document"))
        expect(page).to_have_url(platform.portal_url + "/documents")
        expect(page.get_by_role("alert")).to_contain_text("« Courrier de la mutuelle » a été ajouté")
