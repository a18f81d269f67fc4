"""The professionals' web access: a professional finds a patient (NIR, name, birth date), is refused
her documents until he declares her consent given during care, then reads and downloads them; a
second professional reads them in break-glass mode with a justification; each kind of session is
refused the other kind's pages."""
from __future__ import annotations

import re

import httpx

from playwright.sync_api import expect

from portal_tabs import log_in
from devtools.samples import blank_pdf
from pro_steps import api_token, break_glass, conversations, deposit, find_patient, new_professional, traits

CERTIFY = "Je certifie que le patient a consenti, lors d’un soin, à ce que j’accède à son dossier"
WHY = "Patiente inconsciente aux urgences, antécédents inconnus"


def download_pdf(page, title: str) -> bytes:
    item = page.locator(".portal-document", has_text=title)
    with page.expect_download() as downloaded:
        item.get_by_role("link", name=re.compile("^Télécharger")).click()
    return downloaded.value.path().read_bytes()


class TestProfessional:
    def test_consent_then_read_and_break_glass(self, platform, new_tab, activated):
        found = traits(activated)
        author = new_professional(platform, "Durand")
        deposit(platform, author, activated["account_id"], "Compte rendu de consultation du Dr Durand")

        # A professional finds her: nothing typed, then a wrong birth date, are refused in French.
        doctor = new_professional(platform, "Bernard")
        tab = new_tab()
        page = log_in(tab, platform, doctor, path="/pro/connexion")
        expect(page).to_have_url(platform.portal_url + "/pro")
        tab.submit(page.get_by_role("button", name="Rechercher le patient"))
        expect(page.locator("#nir-erreur")).to_contain_text("Saisissez le numéro de sécurité sociale du patient")
        expect(page.locator("#nom-erreur")).to_contain_text("Saisissez le nom de famille du patient")
        expect(page.locator("#jour-erreur")).to_contain_text("Saisissez la date de naissance du patient")
        year = int(found["birth_date"][:4])
        page = find_patient(tab, found, birth_date=f"{year - 1}{found['birth_date'][4:]}")
        expect(page.locator("#patient-introuvable")).to_contain_text("Aucun patient ne correspond à ces informations")
        assert found["nir"] not in page.url
        page = find_patient(tab, found)
        expect(page).to_have_url(platform.portal_url + "/pro/patient")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{found['given_name']} {found['family_name']}")

        # Not in her care team: refused, with the two ways forward; the consent must be certified.
        expect(page.locator("#acces-refuse")).to_contain_text(
            "Le patient ne vous a pas autorisé à accéder à son dossier")
        tab.submit(page.get_by_role("button", name="Déclarer le consentement du patient"))
        expect(page.locator("#certifie-erreur")).to_contain_text("Cochez la case pour certifier")
        page.get_by_label(CERTIFY).check()
        tab.submit(page.get_by_role("button", name="Déclarer le consentement du patient"))
        expect(page.get_by_role("alert")).to_contain_text("Le consentement du patient est enregistré")
        item = page.locator(".portal-document", has_text="Compte rendu de consultation du Dr Durand")
        expect(item).to_contain_text("20 novembre 2026 — Compte rendu ou fiche de consultation ou de visite")
        expect(page.locator("#acces-refuse")).to_have_count(0)
        tab.screenshot("pro-patient")
        assert download_pdf(page, "Compte rendu de consultation du Dr Durand").startswith(b"%PDF")

        # A second professional, on a phone: break-glass, a wrong name first.
        urgentist = new_professional(platform, "Lefebvre")
        phone = new_tab(360)
        page = log_in(phone, platform, urgentist, path="/pro/connexion")
        page = find_patient(phone, found)
        expect(page.locator("#acces-refuse")).to_contain_text("Le patient ne vous a pas autorisé")
        page = break_glass(phone, found, "Dupont", WHY)
        expect(page.locator("#nom-erreur")).to_contain_text("ne correspondent pas au dossier de ce patient")
        expect(page.get_by_label("Justification de l’accès en urgence")).to_have_value(WHY)
        phone.submit(page.get_by_role("link", name="Revenir au dossier du patient"))
        page = break_glass(phone, found, found["family_name"].upper(), WHY)
        expect(page).to_have_url(platform.portal_url + "/pro/patient")
        expect(page.locator("#mode-urgence")).to_contain_text("Accès en urgence (bris de glace)")
        expect(page.locator("#mode-urgence")).to_contain_text("enregistré")
        expect(page.locator(".portal-document", has_text="Compte rendu de consultation du Dr Durand")).to_be_visible()
        phone.screenshot("pro-patient")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert download_pdf(page, "Compte rendu de consultation du Dr Durand").startswith(b"%PDF")
        phone.submit(page.get_by_role("button", name="Terminer l’accès en urgence"))
        expect(page.get_by_role("alert")).to_contain_text("L’accès en urgence est terminé")
        expect(page.locator("#acces-refuse")).to_contain_text("Le patient ne vous a pas autorisé")

        # Each kind of session is refused the other kind's pages.
        patient_tab = new_tab()
        log_in(patient_tab, platform, activated)
        page = patient_tab.goto("/pro")
        expect(page.get_by_role("heading", level=1)).to_have_text("Page réservée aux professionnels de santé")
        page = tab.goto("/documents")
        expect(page.get_by_role("heading", level=1)).to_have_text("Page réservée aux patients")

    def test_deposit_with_a_type_code_and_write_to_the_patient(self, platform, new_tab, activated, tmp_path):
        found = traits(activated)
        doctor = new_professional(platform, "Moreau")
        tab = new_tab()
        log_in(tab, platform, doctor, path="/pro/connexion")
        page = find_patient(tab, found)

        # A deposit: nothing chosen is refused next to the fields; then a PDF with its type.
        tab.submit(page.get_by_role("link", name="Déposer un document"))
        page.get_by_label("Titre (facultatif)").fill("Bilan sanguin du 20 novembre")
        tab.submit(page.get_by_role("button", name="Déposer le document"))
        expect(page.locator("#fichier-erreur")).to_contain_text("Choisissez le fichier à déposer")
        expect(page.locator("#type-erreur")).to_contain_text("Choisissez le type du document")
        expect(page.get_by_label("Titre (facultatif)")).to_have_value("Bilan sanguin du 20 novembre")
        pdf = tmp_path / "bilan.pdf"
        pdf.write_bytes(blank_pdf())
        page.get_by_label("Fichier").set_input_files(pdf)
        page.get_by_label("Type de document").select_option(label="Compte rendu d’examens biologiques")
        tab.submit(page.get_by_role("button", name="Déposer le document"))
        expect(page.get_by_role("alert")).to_contain_text("« Bilan sanguin du 20 novembre » a été déposé")
        # Outside her care team he still sees what he filed himself, and how to reach the rest.
        expect(page.locator("#acces-refuse")).to_contain_text("Le patient ne vous a pas autorisé")
        expect(page.locator(".portal-document", has_text="Bilan sanguin du 20 novembre")).to_contain_text(
            "Compte rendu d’examens biologiques")

        # A message: an empty one is refused, then sent; it reaches her messaging.
        tab.submit(page.get_by_role("link", name="Écrire au patient"))
        page.get_by_label("Objet").fill("Vos résultats")
        tab.submit(page.get_by_role("button", name="Envoyer le message"))
        expect(page.locator("#message-erreur")).to_contain_text("Écrivez votre message")
        page.get_by_label("Message").fill("Bonjour Madame, vos résultats sont dans votre dossier.")
        tab.submit(page.get_by_role("button", name="Envoyer le message"))
        expect(page.get_by_role("alert")).to_contain_text("Votre message « Vos résultats » a été envoyé")
        assert [c["subject"] for c in conversations(platform, activated)] == ["Vos résultats"]

    def test_break_glass_refused_when_the_patient_opposed_it(self, platform, new_tab, activated):
        found = traits(activated)
        opposed = httpx.patch(
            f"{platform.gateway_url}/v1/patients/{activated['account_id']}/access-settings/emergency", timeout=30,
            headers={"Authorization": f"Bearer {api_token(platform, activated)}"},
            json={"emergency": {"samuAccess": True, "breakGlass": False, "maskedInEmergency": False}})
        assert opposed.status_code == 200, opposed.text
        urgentist = new_professional(platform, "Garnier")
        tab = new_tab()
        log_in(tab, platform, urgentist, path="/pro/connexion")
        find_patient(tab, found)
        page = break_glass(tab, found, found["family_name"], WHY)
        expect(page.locator("#justification-erreur")).to_contain_text(
            "Le patient s’est opposé à l’accès en urgence (bris de glace) à son dossier")
        page = tab.goto("/pro/patient")
        expect(page.locator("#mode-urgence")).to_have_count(0)
