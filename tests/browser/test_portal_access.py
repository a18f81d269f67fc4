"""Access settings: the patient finds professionals by name, adds one to her care team as médecin
traitant, removes her, blocks another (who can then not be added), unblocks; an empty search and a
role that does not match the profession are refused in French; emergency consents and masking new
documents by default."""
from __future__ import annotations

from playwright.sync_api import expect

from portal_tabs import log_in
from records_steps import new_professional, unique


class TestAccess:
    def test_care_team_blocks_and_emergency_settings(self, platform, new_tab, activated):
        gp = new_professional(platform, unique("Bernard"), "Claire")
        nurse = new_professional(platform, unique("Petit"), "Marc", profession_code="60")
        gp_name, nurse_name = f"Claire {gp['family_name']}", f"Marc {nurse['family_name']}"
        tab = new_tab()
        page = log_in(tab, platform, activated, "/acces")
        expect(page.get_by_text("Aucun professionnel dans votre équipe de soins.")).to_be_visible()

        tab.submit(page.get_by_role("button", name="Rechercher"))
        expect(page.locator("#recherche-erreur")).to_contain_text("Saisissez un nom ou un numéro RPPS")

        page.get_by_label("Nom ou numéro RPPS du professionnel").fill(nurse["family_name"])
        tab.submit(page.get_by_role("button", name="Rechercher"))
        found = page.locator(".portal-found", has_text=nurse_name)
        found.get_by_label(f"Rôle de {nurse_name}").select_option(label="Médecin traitant")
        tab.submit(found.get_by_role("button", name="Ajouter à mon équipe"))
        expect(page.locator(".govuk-error-summary")).to_contain_text("Ce rôle ne correspond pas à la profession")

        page.get_by_label("Nom ou numéro RPPS du professionnel").fill(gp["rpps"])
        tab.submit(page.get_by_role("button", name="Rechercher"))
        found = page.locator(".portal-found", has_text=gp_name)
        found.get_by_label(f"Rôle de {gp_name}").select_option(label="Médecin traitant")
        found.get_by_label("Administrateur").check()
        tab.submit(found.get_by_role("button", name="Ajouter à mon équipe"))
        expect(page.get_by_role("alert")).to_contain_text(f"{gp_name} fait partie de votre équipe de soins")
        member = page.locator(".portal-care-member", has_text=gp_name)
        expect(member).to_contain_text("Médecin traitant")
        expect(member).to_contain_text("Administrateur")
        tab.screenshot("acces")
        tab.submit(member.get_by_role("button", name="Retirer"))
        expect(page.get_by_role("alert")).to_contain_text("ne fait plus partie de votre équipe de soins")
        expect(page.locator(".portal-care-member")).to_have_count(0)

        page.get_by_label("Nom ou numéro RPPS du professionnel").fill(nurse["family_name"])
        tab.submit(page.get_by_role("button", name="Rechercher"))
        tab.submit(page.locator(".portal-found", has_text=nurse_name).get_by_role("button", name="Bloquer"))
        expect(page.get_by_role("alert")).to_contain_text(f"{nurse_name} est bloqué(e)")
        expect(page.locator(".portal-blocked", has_text=nurse_name)).to_be_visible()
        page.get_by_label("Nom ou numéro RPPS du professionnel").fill(nurse["family_name"])
        tab.submit(page.get_by_role("button", name="Rechercher"))
        tab.submit(page.locator(".portal-found", has_text=nurse_name).get_by_role("button",
                                                                                        name="Ajouter à mon équipe"))
        expect(page.locator(".govuk-error-summary")).to_contain_text("Ce professionnel est bloqué : débloquez-le")
        tab.submit(page.locator(".portal-blocked").get_by_role("button", name="Débloquer"))
        expect(page.get_by_role("alert")).to_contain_text("n’est plus bloqué(e)")
        expect(page.get_by_text("Vous n’avez bloqué aucun professionnel.")).to_be_visible()

        # Emergency: opposing both modes forces the masked documents off.
        page.locator("#samu-non").check()
        page.locator("#bris-non").check()
        tab.submit(page.get_by_role("button", name="Enregistrer mes choix d’urgence"))
        expect(page.get_by_role("alert")).to_contain_text("vos documents masqués ne seront pas vus")
        expect(page.locator("#masques-non")).to_be_checked()
        expect(page.locator("#samu-non")).to_be_checked()

        page.locator("#masquer").check()
        tab.submit(page.get_by_role("button", name="Enregistrer", exact=True))
        expect(page.get_by_role("alert")).to_contain_text("Vos nouveaux documents seront masqués")
        expect(page.locator("#masquer")).to_be_checked()
