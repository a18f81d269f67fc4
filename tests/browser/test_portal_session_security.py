"""A lost, expired or forged session sends back to the login page and then to the page asked
for; an expired access token is refreshed unseen; a forged CSRF token is refused."""
from __future__ import annotations

import re
import time

import pytest

from playwright.sync_api import expect

from portal_tabs import log_in
from portal.sealing import CookieSealer
from portal.session import COOKIE


def sealer(platform) -> CookieSealer:
    return CookieSealer(platform.portal_secret_file.read_text().strip())


def session_cookie(tab) -> dict:
    (cookie,) = [c for c in tab.page.context.cookies() if c["name"] == COOKIE]
    return cookie


def replace_session(tab, value: str) -> None:
    cookie = session_cookie(tab)
    tab.page.context.add_cookies([{**cookie, "value": value}])


class TestSession:
    def test_cookie_flags(self, platform, new_tab):
        tab = new_tab()
        tab.goto("/connexion")
        cookie = session_cookie(tab)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] == -1

    def test_an_expired_session_goes_to_login_then_back_to_the_page_asked(self, platform, new_tab, activated):
        tab = new_tab()
        page = log_in(tab, platform, activated)
        data = sealer(platform).open(session_cookie(tab)["value"], now=time.time())
        assert data is not None and "tokens" in data
        replace_session(tab, sealer(platform).seal(data, now=time.time() - 3600, max_age=60))
        tab.goto("/documents?ordre=anciens")
        expect(page).to_have_url(re.compile(r"/connexion\?suite=%2Fdocuments%3Fordre%3Danciens$"))
        log_in(tab, platform, activated, path=None)
        expect(page).to_have_url(platform.portal_url + "/documents?ordre=anciens")
        expect(page.get_by_role("heading", name="Mes documents")).to_be_visible()

    def test_a_forged_session_is_no_session(self, platform, new_tab, activated):
        tab = new_tab()
        log_in(tab, platform, activated)
        value = session_cookie(tab)["value"]
        replace_session(tab, value[:-6] + ("AAAAAA" if not value.endswith("AAAAAA") else "BBBBBB"))
        page = tab.goto("/documents")
        expect(page).to_have_url(re.compile(r"/connexion\?suite=%2Fdocuments$"))

    def test_an_expired_access_token_is_refreshed_unseen(self, platform, new_tab, activated):
        tab = new_tab()
        log_in(tab, platform, activated)
        data = sealer(platform).open(session_cookie(tab)["value"], now=time.time())
        assert data is not None
        old_access = data["tokens"]["access"]
        data["tokens"]["access_expires"] = 0
        replace_session(tab, sealer(platform).seal(data, now=time.time(), max_age=600))
        page = tab.goto("/documents")
        expect(page.get_by_role("heading", name="Mes documents")).to_be_visible()
        renewed = sealer(platform).open(session_cookie(tab)["value"], now=time.time())
        assert renewed is not None and renewed["tokens"]["access"] != old_access

    def test_a_forged_csrf_token_is_refused_in_french(self, platform, new_tab, activated):
        tab = new_tab()
        page = log_in(tab, platform, activated)
        page.locator("form[action='/deconnexion'] input[name=csrf]").evaluate("input => input.value = 'forgé'")
        tab.submit(page.get_by_role("button", name="Se déconnecter"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Formulaire expiré ou refusé")
        answer = page.request.post(platform.portal_url + "/deconnexion", form={}, max_redirects=0)
        assert answer.status == 403 and "Formulaire expiré ou refusé" in answer.text()
        tab.goto("/")      # still signed in: neither post logged her out
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Bonjour"))


class TestGatewayDown:
    def test_the_portal_says_so_in_french_and_is_not_ready(self, platform, new_tab, activated):
        import httpx
        tab = new_tab()
        page = tab.goto("/connexion")
        page.get_by_label("Identifiant").fill(activated["login_id"])
        page.get_by_label("Mot de passe", exact=True).fill(activated["password"])
        if "gateway" not in platform.processes:
            pytest.skip("the gateway is shared with others (PORTAL_TEST_BACKEND)")
        platform.stop_process("gateway")
        try:
            tab.submit(page.get_by_role("button", name="Continuer"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Service momentanément indisponible")
            assert "Traceback" not in page.content()
            assert httpx.get(platform.portal_url + "/readyz", timeout=5).status_code == 503
        finally:
            platform.start_process("gateway")
        assert httpx.get(platform.portal_url + "/readyz", timeout=5).status_code == 200
