"""Mon compte: the postal address (an empty one refused), a new email with the code mailed to it
(a wrong password and a wrong code first), the archive of her data asked for, then closing her
space (not without the confirmation and the right password) and reopening it at login: her
documents are still there."""
from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from devtools.eventually import eventually
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from people_steps import activated_patient
from portal_tabs import log_in, mailed_code


def test_contact_email_and_export(platform, new_tab):
    patient = activated_patient(platform, "Jacqueline")
    tab = new_tab(360)
    page = log_in(tab, platform, patient)
    tab.goto("/compte")
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    page.get_by_label("Adresse postale").fill("   ")
    tab.submit(page.get_by_role("button", name="Enregistrer mon adresse"))
    expect(page.locator("#adresse-erreur")).to_contain_text("Saisissez votre adresse postale")
    page.get_by_label("Adresse postale").fill("12 rue des Lilas, 75011 Paris")
    tab.submit(page.get_by_role("button", name="Enregistrer mon adresse"))
    expect(page.get_by_role("alert")).to_contain_text("Votre adresse postale est enregistrée")
    expect(page.get_by_label("Adresse postale")).to_have_value("12 rue des Lilas, 75011 Paris")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    tab.screenshot("compte")

    new_email = f"nouvelle.{secrets.token_hex(4)}@example.fr"
    page.get_by_label("Nouvelle adresse e-mail").fill(new_email)
    page.get_by_label("Votre mot de passe, pour confirmer", exact=True).fill("Pas-le-bon-1!")
    tab.submit(page.get_by_role("button", name="Recevoir un code à cette adresse"))
    expect(page.locator("#mot_de_passe_email-erreur")).to_contain_text("Ce mot de passe n’est pas le bon")
    expect(page.get_by_label("Nouvelle adresse e-mail")).to_have_value(new_email)
    page.get_by_label("Votre mot de passe, pour confirmer", exact=True).fill(patient["password"])
    before = len(read_mails(platform.mail_dir))
    tab.submit(page.get_by_role("button", name="Recevoir un code à cette adresse"))
    page.get_by_label("Code à 6 chiffres").fill("12")
    tab.submit(page.get_by_role("button", name="Confirmer ma nouvelle adresse"))
    expect(page.locator("#code-erreur")).to_contain_text("Le code compte 6 chiffres")
    code = mailed_code_to(platform, new_email, before)
    page.get_by_label("Code à 6 chiffres").fill(code)
    tab.submit(page.get_by_role("button", name="Confirmer ma nouvelle adresse"))
    expect(page.get_by_role("alert")).to_contain_text(f"Votre adresse e-mail est maintenant {new_email}")

    tab.submit(page.get_by_role("button", name="Demander l’archive de mes données"))
    expect(page.get_by_role("alert")).to_contain_text("l’archive de vos données est en préparation")
    expect(page.get_by_text("Demande du ")).to_be_visible()
    ready = page.get_by_role("link", name=re.compile("^Télécharger l’archive"))
    eventually(lambda: tab.goto("/compte") and ready.count() > 0, 60, interval=1, what="the archive ready")
    with page.expect_download() as downloaded:
        ready.click()
    assert downloaded.value.path().read_bytes().startswith(b"PK")


def mailed_code_to(platform, email: str, after: int) -> str:
    from devtools.smtp_sink import text_of

    def code() -> str | None:
        mails = [m for m in read_mails(platform.mail_dir)[after:] if email in m["To"]]
        match = re.search(r"\b(\d{6})\b", text_of(mails[-1])) if mails else None
        return match.group(1) if match else None
    return eventually(code, 30, what=f"a code mailed to {email}")


def test_close_then_reopen(platform, new_tab, tmp_path):
    patient = activated_patient(platform, "Jacqueline")
    tab = new_tab()
    page = log_in(tab, platform, patient)
    pdf = tmp_path / "ordonnance.pdf"
    pdf.write_bytes(blank_pdf())
    tab.goto("/documents/ajouter")
    page.get_by_label("Fichier").set_input_files(pdf)
    page.get_by_label("Titre (facultatif)").fill("Ordonnance gardée")
    page.get_by_label("Catégorie").select_option(label="Ordonnances et soins")
    tab.submit(page.get_by_role("button", name="Ajouter le document"))

    tab.goto("/compte")
    expect(page.get_by_text("Vos données sont gardées 10 ans, puis effacées.")).to_be_visible()
    tab.submit(page.get_by_role("button", name="Clôturer mon espace"))
    expect(page.locator("#confirmation-erreur")).to_contain_text("Cochez la case pour confirmer")
    expect(page.locator("#mot_de_passe-erreur")).to_contain_text("Saisissez votre mot de passe")
    page.get_by_label("Je veux clôturer mon espace santé").check()
    page.locator("#mot_de_passe").fill("Pas-le-bon-1!")
    tab.submit(page.get_by_role("button", name="Clôturer mon espace"))
    expect(page.locator("#mot_de_passe-erreur")).to_contain_text("Ce mot de passe n’est pas le bon")
    page.get_by_label("Je veux clôturer mon espace santé").check()
    page.locator("#mot_de_passe").fill(patient["password"])
    tab.submit(page.get_by_role("button", name="Clôturer mon espace"))
    expect(page).to_have_url(platform.portal_url + "/connexion")
    expect(page.get_by_role("alert")).to_contain_text("Votre espace est clôturé")

    page.get_by_label("Identifiant").fill(patient["login_id"])
    page.get_by_label("Mot de passe", exact=True).fill(patient["password"])
    tab.submit(page.get_by_role("button", name="Continuer"))
    expect(page.get_by_role("heading", name="Votre espace est clôturé")).to_be_visible()
    page.get_by_label("Mot de passe", exact=True).fill(patient["password"])
    before = len(read_mails(platform.mail_dir))
    tab.submit(page.get_by_role("button", name="Rouvrir mon espace"))
    page.get_by_label("Code à 6 chiffres").fill(mailed_code(platform, patient["email"], before))
    tab.submit(page.get_by_role("button", name="Se connecter"))
    expect(page.get_by_role("alert")).to_contain_text("Votre espace est rouvert")
    tab.goto("/documents")
    expect(page.get_by_role("heading", name="Ordonnance gardée")).to_be_visible()
