"""A freshly activated patient fills in her medical profile: an allergy (a missing name refused
next to the field), then three weights (one out of range refused, what she typed kept), and sees
the chart of her weight over time (inline SVG with its title) and the table of the values."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from portal_tabs import log_in


def add_weight(tab, page, value: str, day: date) -> None:
    tab.submit(page.get_by_role("link", name=re.compile("^Ajouter une mesure")))
    page.get_by_label("Poids en kg").fill(value)
    page.get_by_label("Jour").fill(str(day.day))
    page.get_by_label("Mois").fill(str(day.month))
    page.get_by_label("Année").fill(str(day.year))
    page.get_by_label("Heure de la mesure").fill("08:30")
    tab.submit(page.get_by_role("button", name="Ajouter la mesure"))


class TestProfile:
    def test_an_allergy_three_weights_and_the_chart(self, platform, new_tab, activated):
        tab = new_tab()
        log_in(tab, platform, activated)
        page = tab.goto("/profil-medical")
        expect(page.get_by_role("heading", name="Mon profil médical")).to_be_visible()

        allergies = page.locator("#allergies")
        tab.submit(allergies.get_by_role("link", name=re.compile("^Ajouter")))
        page.get_by_label("Commentaire (facultatif)").fill("Plaques rouges en 1990")
        tab.submit(page.get_by_role("button", name="Enregistrer"))
        expect(page.locator("#nom-erreur")).to_contain_text("Saisissez le nom")
        expect(page.get_by_label("Commentaire (facultatif)")).to_have_value("Plaques rouges en 1990")
        page.get_by_label("Nom").fill("Pénicilline")
        tab.submit(page.get_by_role("button", name="Enregistrer"))
        expect(page.get_by_role("alert")).to_contain_text("« Pénicilline » est ajouté à la rubrique Allergies")
        expect(page.locator("#allergies")).to_contain_text("Plaques rouges en 1990")
        expect(page.locator("#allergies").get_by_role("button", name=re.compile("Je ne suis pas concerné"))).to_have_count(0)

        # Edit it.
        tab.submit(page.locator("#allergies").get_by_role("link", name=re.compile("^Modifier")))
        expect(page.get_by_label("Nom")).to_have_value("Pénicilline")
        page.get_by_label("Nom").fill("Pénicilline et amoxicilline")
        tab.submit(page.get_by_role("button", name="Enregistrer"))
        expect(page.locator("#allergies")).to_contain_text("Pénicilline et amoxicilline")

        # Blood group and wishes.
        page.get_by_label("Mon groupe sanguin").select_option("A+")
        tab.submit(page.get_by_role("button", name="Enregistrer mon groupe sanguin"))
        expect(page.locator("#groupe-sanguin")).to_contain_text("Votre groupe sanguin : A+")
        tab.submit(page.get_by_role("link", name="Modifier mes volontés"))
        page.get_by_label("Mes directives anticipées (facultatif)").fill("Pas d’acharnement thérapeutique.")
        page.get_by_label("Je suis informé(e) sur le don d’organes").check()
        tab.submit(page.get_by_role("button", name="Enregistrer mes volontés"))
        expect(page.locator("#volontes")).to_contain_text("Pas d’acharnement thérapeutique.")
        expect(page.locator("#volontes")).to_contain_text("Je suis informé(e) sur le don d’organes")

        # "Non concerné(e)" for the treatments.
        tab.submit(page.locator("#traitements").get_by_role("button", name=re.compile("^Je ne suis pas concerné")))
        expect(page.locator("#traitements")).to_contain_text("Non concerné(e)")

        # A weight out of range, then three weights.
        today = date.today()
        tab.submit(page.get_by_role("link", name=re.compile("^Ajouter une mesure")))
        page.get_by_label("Poids en kg").fill("900")
        page.get_by_label("Jour").fill("31")
        page.get_by_label("Mois").fill("4")
        page.get_by_label("Année").fill(str(today.year))
        page.get_by_label("Heure de la mesure").fill("08:30")
        tab.submit(page.get_by_role("button", name="Ajouter la mesure"))
        expect(page.locator("#valeur-erreur")).to_contain_text("entre 0,3 et 500 kg")
        expect(page.locator("#jour-erreur")).to_contain_text("doit être une vraie date")
        expect(page.get_by_label("Poids en kg")).to_have_value("900")
        tab.goto("/profil-medical?mesure=WEIGHT")
        for value, days in (("71,5", 60), ("70", 30), ("68,8", 1)):
            add_weight(tab, page, value, today - timedelta(days=days))
            expect(page.get_by_role("alert")).to_contain_text("Poids : la mesure est ajoutée")

        chart = page.locator("#mesures svg")
        expect(chart).to_be_visible()
        expect(chart.locator("title")).to_have_text("Poids au fil du temps")
        expect(chart.locator("circle")).to_have_count(3)
        table = page.locator("#mesures table")
        expect(table.locator("tbody tr")).to_have_count(3)
        expect(table.locator("tbody tr").first).to_contain_text("68,8 kg")
        expect(table).to_contain_text("71,5 kg")
        tab.screenshot("profil-medical")

        # Delete one weight after a confirmation; the chart follows.
        tab.submit(table.locator("tbody tr").first.get_by_role("link", name=re.compile("^Supprimer")))
        tab.submit(page.get_by_role("button", name="Oui, supprimer"))
        expect(page.get_by_role("alert")).to_contain_text("est supprimée")
        expect(page.locator("#mesures svg circle")).to_have_count(2)

        # Another measurement chosen with the select: the blood pressure, none yet.
        page.get_by_label("Mesure affichée").select_option(label="Tension artérielle")
        tab.submit(page.get_by_role("button", name="Afficher"))
        expect(page.get_by_text("Aucune mesure « Tension artérielle » pour le moment.")).to_be_visible()

        # The synthesis, saved in her documents.
        tab.submit(page.get_by_role("button", name="Enregistrer la synthèse dans mes documents"))
        expect(page).to_have_url(platform.portal_url + "/documents")
        expect(page.get_by_role("alert")).to_contain_text("est enregistrée dans vos documents")

    def test_the_profile_on_a_phone(self, platform, new_tab, activated):
        tab = new_tab(360)
        log_in(tab, platform, activated)
        page = tab.goto("/profil-medical")
        expect(page.get_by_role("heading", name="Mes mesures")).to_be_visible()
        tab.screenshot("profil-medical")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
