"""What the browser tests do in the portal: a tab that audits every page it reaches with axe
(WCAG 2.1 AA), a fresh patient from the insurer's feed, activation and login with the mailed code."""
from __future__ import annotations

import itertools
import os
import secrets
import re
from pathlib import Path

import grpc
from axe_playwright_python.sync_playwright import Axe
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from playwright.sync_api import Locator, Page

from devtools.demo import _nir, _patient, operator_token
from devtools.eventually import eventually
from devtools.platform import LocalPlatform
from devtools.smtp_sink import read_mails, text_of

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
PASSWORD = "Lilas-Paris-1946!"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
_orders = itertools.count(400)
_COMMUNE = f"{secrets.randbelow(899) + 100:03d}"


class Tab:
    """One browser tab on the portal: each navigation it makes is followed by an axe run."""

    axe = Axe()

    def __init__(self, page: Page, base_url: str):
        self.page, self.base_url = page, base_url
        self.loads: list[str] = []
        self.audited = 0
        self.csp_errors: list[str] = []
        page.on("load", lambda loaded: self.loads.append(loaded.url))
        page.on("console", lambda message: self.csp_errors.append(message.text)
                if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)

    def goto(self, path: str) -> Page:
        self.page.goto(self.base_url + path)
        return self.audit()

    def submit(self, button: Locator) -> Page:
        """Click a button or link that loads a new page, then audit that page."""
        with self.page.expect_navigation():
            button.click()
        return self.audit()

    def audit(self) -> Page:
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        assert results.violations_count == 0, f"axe on {self.page.url}:\n{results.generate_report()}"
        self.audited = len(self.loads)
        return self.page

    def screenshot(self, name: str) -> None:
        """docs/screenshots/<name>-<width>.png with PORTAL_SCREENSHOTS=1, else only taken."""
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        folder = SCREENSHOTS if os.environ.get("PORTAL_SCREENSHOTS") == "1" else None
        shot = self.page.screenshot(full_page=False, type="png")
        if folder is not None:
            (folder / f"{name}-{width}.png").write_bytes(shot)


def new_patient(platform: LocalPlatform, given_name: str = "Jacqueline") -> dict:
    """A space created by the insurer's feed, not activated: what its holder needs to activate it."""
    person = _patient()
    order = f"{next(_orders):03d}"
    # A commune of its own per run, so that runs against a shared platform (PORTAL_TEST_BACKEND) differ.
    nir = _nir("2", person["birth_date"], "75", _COMMUNE, order)
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(
            ipb.CreateAccountRequest(**{**person, "nir": nir, "given_name": given_name}),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10)
    return {"account_id": created.account.account_id, "provisional_code": created.provisional_code, "nir": nir,
            "vitale_serial": person["vitale_serial"], "login_id": f"patiente.{_COMMUNE}{order}",
            "email": f"patiente.{_COMMUNE}{order}@example.fr", "password": PASSWORD, "given_name": given_name}


def mailed_code(platform: LocalPlatform, email: str, after: int) -> str:
    def code() -> str | None:
        mails = [m for m in read_mails(platform.mail_dir)[after:]
                 if email in m["To"] and "code de connexion" in m["Subject"]]
        match = re.search(r"\b(\d{6})\b", text_of(mails[-1])) if mails else None
        return match.group(1) if match else None
    return eventually(code, 15, what=f"a code mailed to {email}")


def activate(tab: Tab, patient: dict) -> None:
    page = tab.goto("/activation")
    page.get_by_label("Code provisoire").fill(patient["provisional_code"])
    page.get_by_label("Numéro de sécurité sociale").fill(patient["nir"])
    page.get_by_label("Numéro de série de la carte Vitale").fill(patient["vitale_serial"])
    page.get_by_label("Identifiant").fill(patient["login_id"])
    page.get_by_label("Mot de passe", exact=True).fill(patient["password"])
    page.get_by_label("Adresse e-mail").fill(patient["email"])
    page.get_by_label("J’accepte les conditions générales d’utilisation").check()
    tab.submit(page.get_by_role("button", name="Activer mon espace"))


def log_in(tab: Tab, platform: LocalPlatform, patient: dict, path: str = "/connexion") -> Page:
    """From the login page (or a page that sent there), up to the page after the code."""
    page = tab.page if path is None else tab.goto(path)
    page.get_by_label("Identifiant").fill(patient["login_id"])
    page.get_by_label("Mot de passe", exact=True).fill(patient["password"])
    before = len(read_mails(platform.mail_dir))
    tab.submit(page.get_by_role("button", name="Continuer"))
    page.get_by_label("Code à 6 chiffres").fill(mailed_code(platform, patient["email"], before))
    return tab.submit(page.get_by_role("button", name="Se connecter"))
