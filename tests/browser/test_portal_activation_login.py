"""A patient activates her space in the browser, then logs in with the code read from her mail."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from portal_tabs import activate, log_in, new_patient


class TestActivation:
    def test_a_fresh_patient_activates_her_space_after_fixing_what_she_typed(self, platform, new_tab):
        patient = new_patient(platform, "Odette")
        tab = new_tab()
        page = tab.goto("/activation")
        rules = page.locator("#password-aide li")
        expect(rules).to_have_count(5)
        expect(rules.first).to_have_text("au moins 9 caractères : à respecter")     # ticked off as she types
        page.get_by_label("Mot de passe", exact=True).fill("abcdefghij")
        expect(rules.first).to_have_text("au moins 9 caractères : respecté")
        expect(rules.nth(2)).to_have_text("une lettre majuscule : à respecter")
        # Wrong input: French messages next to each field, what she typed kept, never the password.
        page.get_by_label("Code provisoire").fill(patient["provisional_code"])
        page.get_by_label("Numéro de sécurité sociale").fill("123")
        page.get_by_label("Identifiant").fill(patient["login_id"])
        page.get_by_label("Mot de passe", exact=True).fill("court")
        page.get_by_label("Adresse e-mail").fill(patient["email"])
        tab.submit(page.get_by_role("button", name="Activer mon espace"))
        expect(page).to_have_title(re.compile("^Erreur : Activer mon espace"))
        expect(page.locator("#nir-erreur")).to_contain_text("compte 15 caractères")
        expect(page.locator("#vitale_serial-erreur")).to_contain_text("Saisissez le numéro de série")
        expect(page.locator("#password-erreur")).to_contain_text("une lettre majuscule")
        expect(page.locator("#accept_terms-erreur")).to_contain_text("Acceptez les conditions")
        expect(page.get_by_label("Code provisoire")).to_have_value(patient["provisional_code"])
        expect(page.get_by_label("Identifiant")).to_have_value(patient["login_id"])
        expect(page.get_by_label("Mot de passe", exact=True)).to_have_value("")
        # A NIR that is not hers: refused by identity, said in French.
        page.get_by_label("Numéro de sécurité sociale").fill("2" + patient["nir"][1:7] + "99999999")
        page.get_by_label("Numéro de série de la carte Vitale").fill(patient["vitale_serial"])
        page.get_by_label("Mot de passe", exact=True).fill(patient["password"])
        page.get_by_label("J’accepte les conditions générales d’utilisation").check()
        tab.submit(page.get_by_role("button", name="Activer mon espace"))
        expect(page.locator("#provisional_code-erreur")).to_contain_text("Ces informations ne correspondent pas")

        activate(tab, patient)
        expect(page).to_have_url(re.compile("/connexion$"))
        expect(page.get_by_role("alert")).to_contain_text("Votre espace est activé")
        log_in(tab, platform, patient, path=None)
        expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Odette")


class TestLogin:
    def test_login_with_the_mailed_code_then_logout(self, platform, new_tab, activated):
        tab = new_tab()
        page = tab.goto("/connexion")
        tab.screenshot("connexion")
        page.get_by_label("Identifiant").fill(activated["login_id"])
        page.get_by_label("Mot de passe", exact=True).fill("Pas-le-bon-1!")
        tab.submit(page.get_by_role("button", name="Continuer"))
        expect(page.locator("#login_id-erreur")).to_contain_text("Identifiant ou mot de passe incorrect")
        expect(page.get_by_label("Identifiant")).to_have_value(activated["login_id"])

        log_in(tab, platform, activated, path=None)
        expect(page).to_have_url(platform.portal_url + "/")
        expect(page.get_by_text("Vous n’avez encore aucun document.")).to_be_visible()
        tab.screenshot("accueil")
        tab.submit(page.get_by_role("button", name="Se déconnecter"))
        expect(page.get_by_role("alert")).to_contain_text("Vous êtes déconnecté(e)")
        tab.goto("/")
        expect(page).to_have_url(re.compile(r"/connexion\?suite=%2F$"))

    def test_a_wrong_code_is_said_next_to_the_field(self, platform, new_tab, activated):
        tab = new_tab(360)
        page = tab.goto("/connexion")
        tab.screenshot("connexion")
        page.get_by_label("Identifiant").fill(activated["login_id"])
        page.get_by_label("Mot de passe", exact=True).fill(activated["password"])
        tab.submit(page.get_by_role("button", name="Continuer"))
        expect(page.get_by_text("Nous venons d’envoyer un code à 6 chiffres")).to_be_visible()
        page.get_by_label("Code à 6 chiffres").fill("12345")
        tab.submit(page.get_by_role("button", name="Se connecter"))
        expect(page.locator("#code-erreur")).to_contain_text("Le code compte 6 chiffres")
        page.get_by_label("Code à 6 chiffres").fill("000000")
        tab.submit(page.get_by_role("button", name="Se connecter"))
        expect(page.locator("#code-erreur")).to_contain_text("Ce code n’est pas le bon")
