"""A caregiver acting for Jacqueline: Jacqueline invites her daughter as her caregiver in the portal
(a wrong invitation first), the daughter accepts it in hers, acts for Jacqueline (the banner, her
documents), comes back to her own space; Jacqueline then ends the caregiving."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from devtools.samples import blank_pdf
from people_steps import activated_patient
from portal_tabs import log_in


def test_a_caregiver_acting_for_jacqueline(platform, new_tab, tmp_path):
    jacqueline = activated_patient(platform, "Jacqueline")
    daughter = activated_patient(platform, "Claire")
    mother = new_tab()
    page = log_in(mother, platform, jacqueline)
    pdf = tmp_path / "ordonnance.pdf"
    pdf.write_bytes(blank_pdf())
    mother.goto("/documents/ajouter")
    page.get_by_label("Fichier").set_input_files(pdf)
    page.get_by_label("Titre (facultatif)").fill("Ordonnance de Jacqueline")
    page.get_by_label("Catégorie").select_option(label="Ordonnances et soins")
    mother.submit(page.get_by_role("button", name="Ajouter le document"))

    mother.goto("/proches")
    expect(page.get_by_text("Vous n’agissez pour personne.")).to_be_visible()
    # Bad input: nothing typed, then someone who does not exist.
    mother.submit(page.get_by_role("button", name="Envoyer l’invitation"))
    expect(page.locator("#prenom-erreur")).to_contain_text("Saisissez le prénom")
    expect(page.locator("#naissance-jour-erreur")).to_contain_text("Saisissez la date de naissance")
    page.get_by_label("Prénom").fill("Personne")
    page.get_by_label("Nom de naissance").fill("Inconnue")
    year, month, day = daughter["birth_date"].split("-")
    form = page.locator("form[action='/proches/inviter']")
    for label, value in (("Jour", day), ("Mois", month), ("Année", year)):
        form.get_by_role("group", name="Date de naissance").get_by_label(label).fill(str(int(value)))
    mother.submit(page.get_by_role("button", name="Envoyer l’invitation"))
    expect(page.locator("#prenom-erreur")).to_contain_text("Nous n’avons trouvé personne")
    expect(page.get_by_label("Nom de naissance")).to_have_value("Inconnue")
    page.get_by_label("Prénom").fill(daughter["given_name"])
    page.get_by_label("Nom de naissance").fill(daughter["family_name"])
    mother.submit(page.get_by_role("button", name="Envoyer l’invitation"))
    expect(page.get_by_role("alert")).to_contain_text("est invité(e) à devenir votre aidant")
    expect(page.locator("li", has_text="Aidant invité le")).to_contain_text("En attente de réponse")
    expect(page.locator("li", has_text="Aidant invité le")).to_contain_text(
        f"{daughter['given_name']} {daughter['family_name']} — Aidant invité le")

    helper = new_tab()
    hpage = log_in(helper, platform, daughter)
    helper.goto("/proches")
    invitation = hpage.locator("li", has_text=re.compile("Invitation de Jacqueline .* à devenir son aidant"))
    helper.submit(invitation.get_by_role("button", name="Accepter l’invitation"))
    expect(hpage.get_by_role("alert")).to_contain_text("Vous avez accepté l’invitation")
    helper.submit(hpage.get_by_role("button", name=re.compile("^Agir pour Jacqueline")))
    expect(hpage).to_have_url(platform.portal_url + "/")
    expect(hpage.locator(".portal-acting-for")).to_contain_text("Vous agissez pour Jacqueline")
    expect(hpage.get_by_role("heading", name="Bonjour Jacqueline")).to_be_visible()
    helper.goto("/documents")
    expect(hpage.get_by_role("heading", name="Ordonnance de Jacqueline")).to_be_visible()
    helper.goto("/applications")          # what the caregiving's scope refuses: the French 403 page
    expect(hpage.get_by_role("heading", name="Accès refusé")).to_be_visible()
    helper.submit(hpage.locator(".portal-acting-for").get_by_role("link", name="Revenir à mon espace"))
    expect(hpage).to_have_url(platform.portal_url + "/proches")
    helper.screenshot("proches")
    helper.submit(hpage.get_by_role("button", name="Revenir à mon espace"))
    expect(hpage.locator(".portal-acting-for")).to_have_count(0)
    expect(hpage.get_by_role("heading", name="Bonjour Claire")).to_be_visible()

    mother.goto("/proches")
    caregiving = page.locator("li", has_text="Aidant invité le")
    expect(caregiving).to_contain_text("En cours")
    caregiving.get_by_label("Jour").fill("1")
    caregiving.get_by_label("Mois").fill("1")
    caregiving.get_by_label("Année").fill("2001")
    mother.submit(caregiving.get_by_role("button", name="Enregistrer la date de fin"))
    expect(page.locator(".govuk-error-message")).to_contain_text("La date de fin doit être après aujourd’hui")
    caregiving = page.locator("li", has_text="Aidant invité le")
    caregiving.get_by_label("Année").fill("2027")
    caregiving.get_by_label("Jour").fill("31")
    caregiving.get_by_label("Mois").fill("12")
    mother.submit(caregiving.get_by_role("button", name="Enregistrer la date de fin"))
    expect(page.get_by_role("alert")).to_contain_text("Le partage prendra fin le 31 décembre 2027")
    mother.submit(page.get_by_role("button", name="Arrêter ce partage"))
    expect(page.get_by_text("Voulez-vous vraiment arrêter ce partage ?")).to_be_visible()
    mother.submit(page.get_by_role("button", name="Oui, arrêter ce partage"))
    expect(page.get_by_role("alert")).to_contain_text("Le partage est terminé")
    expect(page.get_by_text("Personne n’agit pour vous.")).to_be_visible()

    helper.goto("/proches")
    expect(hpage.get_by_text("Vous n’agissez pour personne.")).to_be_visible()


def test_proches_while_acting_on_a_phone(platform, new_tab):
    jacqueline = activated_patient(platform, "Jacqueline")
    daughter = activated_patient(platform, "Claire")
    mother = new_tab()
    page = log_in(mother, platform, jacqueline)
    mother.goto("/proches")
    page.get_by_label("Prénom").fill(daughter["given_name"])
    page.get_by_label("Nom de naissance").fill(daughter["family_name"])
    year, month, day = daughter["birth_date"].split("-")
    group = page.get_by_role("group", name="Date de naissance")
    group.get_by_label("Jour").fill(day)
    group.get_by_label("Mois").fill(month)
    group.get_by_label("Année").fill(year)
    mother.submit(page.get_by_role("button", name="Envoyer l’invitation"))
    expect(page.get_by_role("alert")).to_contain_text("est invité(e)")

    phone = new_tab(360)
    hpage = log_in(phone, platform, daughter)
    phone.goto("/proches")
    phone.submit(hpage.get_by_role("button", name="Accepter l’invitation"))
    phone.submit(hpage.get_by_role("button", name=re.compile("^Agir pour Jacqueline")))
    phone.goto("/proches")
    expect(hpage.locator(".portal-acting-for")).to_contain_text("Vous agissez pour Jacqueline")
    phone.screenshot("proches")
    assert hpage.evaluate("document.documentElement.scrollWidth") <= 360
