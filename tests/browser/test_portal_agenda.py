"""A freshly activated patient (80, a woman) sees the prevention items for her age and sex, marks one
done with its date, adds an appointment and a reminder (a date that does not exist refused next to
the field, what she typed kept), gets her calendar feed URL, and the feed holds the appointment."""
from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
import icalendar
from playwright.sync_api import expect

from portal_tabs import log_in
from test_portal_demo import BANNER, start_demo


class TestAgenda:
    def test_prevention_appointment_reminder_and_calendar_feed(self, platform, new_tab, activated):
        tab = new_tab()
        log_in(tab, platform, activated)
        page = tab.goto("/agenda")
        expect(page.get_by_role("heading", name="Mon agenda", exact=True)).to_be_visible()
        glaucoma = page.locator(".portal-document", has_text="glaucome")
        expect(glaucoma.first).to_contain_text("À planifier")
        expect(page.locator("#prevention ~ ul").first).not_to_contain_text("M’T dents")   # 80: past that

        # Mark the glaucoma screening done, first with a date that does not exist.
        tab.submit(glaucoma.first.get_by_role("link", name=re.compile("^Indiquer si c’est fait")))
        page.get_by_label("Oui, c’est fait").check()
        page.get_by_label("Jour").fill("31")
        page.get_by_label("Mois").fill("2")
        page.get_by_label("Année").fill("2026")
        tab.submit(page.get_by_role("button", name="Enregistrer"))
        expect(page.locator("#jour-erreur")).to_contain_text("doit être une vraie date")
        expect(page.get_by_label("Jour")).to_have_value("31")
        page.get_by_label("Jour").fill("3")
        tab.submit(page.get_by_role("button", name="Enregistrer"))
        expect(page.get_by_role("alert")).to_contain_text("est enregistrée")
        expect(page.locator(".portal-document", has_text="glaucome").first).to_contain_text("Fait le 3 février 2026")

        # An appointment: nothing typed first, then a date that does not exist, then right.
        tab.submit(page.get_by_role("link", name="Ajouter un rendez-vous"))
        tab.submit(page.get_by_role("button", name="Ajouter le rendez-vous"))
        expect(page.locator("#nom-erreur")).to_contain_text("Saisissez le nom")
        expect(page.locator("#jour-erreur")).to_contain_text("Saisissez la date du rendez-vous")
        expect(page.locator("#heure-erreur")).to_contain_text("Saisissez l’heure")
        when = date.today() + timedelta(days=20)
        page.get_by_label("Nom du professionnel ou de l’établissement").fill("Dr Paul Bernard")
        page.get_by_label("Titre (facultatif)").fill("Contrôle tension")
        page.get_by_label("Jour").fill("30")
        page.get_by_label("Mois").fill("2")
        page.get_by_label("Année").fill(str(when.year + 1))
        page.get_by_label("Heure").fill("25:00")
        tab.submit(page.get_by_role("button", name="Ajouter le rendez-vous"))
        expect(page.locator("#jour-erreur")).to_contain_text("doit être une vraie date")
        expect(page.locator("#heure-erreur")).to_contain_text("entre 00:00 et 23:59")
        expect(page.get_by_label("Titre (facultatif)")).to_have_value("Contrôle tension")
        page.get_by_label("Jour").fill(str(when.day))
        page.get_by_label("Mois").fill(str(when.month))
        page.get_by_label("Année").fill(str(when.year))
        page.get_by_label("Heure").fill("10:30")
        tab.submit(page.get_by_role("button", name="Ajouter le rendez-vous"))
        expect(page.get_by_role("alert")).to_contain_text("est ajouté à votre agenda")
        appointment = page.locator("#rendez-vous ~ ul .portal-document", has_text="Contrôle tension")
        expect(appointment).to_contain_text("à 10 h 30")
        expect(appointment).to_contain_text("Avec Dr Paul Bernard")

        # Edit it: the time changes.
        tab.submit(appointment.get_by_role("link", name=re.compile("^Modifier")))
        expect(page.get_by_label("Heure")).to_have_value("10:30")
        page.get_by_label("Heure").fill("11:15")
        tab.submit(page.get_by_role("button", name="Enregistrer les modifications"))
        expect(page.locator(".portal-document", has_text="Contrôle tension")).to_contain_text("à 11 h 15")

        # A reminder: one in the past refused, then one ahead.
        tab.submit(page.get_by_role("link", name="Ajouter un rappel"))
        page.get_by_label("Titre du rappel").fill("Prendre rendez-vous chez le dentiste")
        page.get_by_label("Jour").fill("1")
        page.get_by_label("Mois").fill("1")
        page.get_by_label("Année").fill("2020")
        page.get_by_label("Heure").fill("9:00")
        tab.submit(page.get_by_role("button", name="Ajouter le rappel"))
        expect(page.locator("#jour-erreur")).to_contain_text("Le rappel doit être dans le futur")
        expect(page.get_by_label("Titre du rappel")).to_have_value("Prendre rendez-vous chez le dentiste")
        page.get_by_label("Année").fill(str(date.today().year + 1))
        tab.submit(page.get_by_role("button", name="Ajouter le rappel"))
        expect(page.get_by_role("alert")).to_contain_text("« Prendre rendez-vous chez le dentiste » est ajouté")
        expect(page.locator(".portal-document", has_text="Prendre rendez-vous chez le dentiste")).to_contain_text(
            f"Le 1 janvier {date.today().year + 1} à 9 h 00")

        # The calendar feed: its URL shown once, fetched, the appointment in it.
        expect(page.get_by_label("Votre adresse d’abonnement")).to_have_count(0)
        page.get_by_label("Montrer le détail de mes rendez-vous dans le calendrier").check()
        tab.submit(page.get_by_role("button", name="Créer mon adresse d’abonnement"))
        expect(page.get_by_role("alert")).to_contain_text("l’ancienne ne fonctionne plus")
        field = page.get_by_label("Votre adresse d’abonnement")
        expect(field).to_have_attribute("readonly", "")
        url = field.input_value()
        token = url.rstrip("/").rsplit("/", 1)[-1]
        tab.screenshot("agenda")
        answer = httpx.get(f"{platform.gateway_url}/v1/calendar-feeds/{token}", timeout=30)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
        events = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
        assert any("Contrôle tension" in str(e.get("summary")) for e in events), [str(e.get("summary")) for e in events]
        assert url.startswith(("http://", "https://")), url
        same = httpx.get(url, timeout=30)           # the URL as shown, on whichever origin it names
        assert same.status_code == 200 and b"Contr" in same.content

        # A new URL retires the old one.
        tab.submit(page.get_by_role("button", name="Créer encore une nouvelle adresse"))
        renewed = page.get_by_label("Votre adresse d’abonnement").input_value()
        assert renewed != url
        assert httpx.get(f"{platform.gateway_url}/v1/calendar-feeds/{token}", timeout=30).status_code == 404

        # Deleting the reminder and the appointment, each after a confirmation.
        reminder = page.locator(".portal-document", has_text="Prendre rendez-vous chez le dentiste")
        tab.submit(reminder.get_by_role("link", name=re.compile("^Supprimer")))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Supprimer le rappel « Prendre rendez-vous")
        tab.submit(page.get_by_role("button", name="Oui, supprimer"))
        expect(page.get_by_role("alert")).to_contain_text("est supprimé")
        expect(page.locator(".portal-document", has_text="Prendre rendez-vous chez le dentiste")).to_have_count(0)
        appointment = page.locator(".portal-document", has_text="Contrôle tension")
        tab.submit(appointment.get_by_role("link", name=re.compile("^Supprimer")))
        tab.submit(page.get_by_role("button", name="Oui, supprimer"))
        expect(page.locator(".portal-document", has_text="Contrôle tension")).to_have_count(0)

    def test_the_agenda_on_a_phone(self, platform, new_tab, activated):
        tab = new_tab(360)
        log_in(tab, platform, activated)
        page = tab.goto("/agenda")
        expect(page.get_by_role("heading", name="Mes rendez-vous")).to_be_visible()
        tab.screenshot("agenda")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    def test_the_demo_space_has_an_agenda_and_a_profile(self, platform, new_tab):
        tab = new_tab()
        start_demo(tab)
        for path, heading in (("/agenda", "Mon agenda"), ("/profil-medical", "Mon profil médical")):
            page = tab.goto(path)
            expect(page.get_by_text(BANNER)).to_be_visible()
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        page = tab.goto("/agenda/rappels/ajouter")
        page.get_by_label("Titre du rappel").fill("Renouveler l’ordonnance")
        page.get_by_label("Jour").fill("1")
        page.get_by_label("Mois").fill("1")
        page.get_by_label("Année").fill(str(date.today().year + 1))
        page.get_by_label("Heure").fill("9:00")
        tab.submit(page.get_by_role("button", name="Ajouter le rappel"))
        expect(page.get_by_role("heading", name=re.compile("Une erreur|introuvable|refusé"))).to_have_count(0)
