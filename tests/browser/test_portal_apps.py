"""Services connectés: an app an operator referenced is in the catalogue with its site; the holder
pairs it through the gateway's OAuth pages in her browser (login, code, consent), sees it in
/applications with its consent, cannot leave it without any consent, disconnects it after a
confirmation, and the app's token is then refused."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import expect

from devtools.smtp_sink import read_mails
from people_steps import activated_patient, reference_app
from portal_tabs import log_in, mailed_code

BACK_PAGE = ('<!DOCTYPE html><html lang="fr"><head><title>Retour au service</title></head>'
             '<body><main><h1>Retour au service</h1></main></body></html>')


@contextmanager
def app_callback():
    """The app's redirect URI: a page on a local port that keeps the URLs it was sent to."""
    returned: list[str] = []

    class Back(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/callback"):
                returned.append(f"http://127.0.0.1:{self.server.server_port}{self.path}")
            body = BACK_PAGE.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Back)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/callback", returned
    finally:
        server.shutdown()


def test_connecting_then_disconnecting_an_app(platform, new_tab):
    with app_callback() as (callback, returned):
        connect_then_disconnect(platform, new_tab, callback, returned)


def connect_then_disconnect(platform, new_tab, callback: str, returned: list[str]):
    patient = activated_patient(platform, "Jacqueline")
    app = reference_app(platform, callback)
    tab = new_tab()
    page = log_in(tab, platform, patient)
    tab.goto("/applications")
    expect(page.get_by_text("Aucun service n’est connecté à votre espace.")).to_be_visible()
    listed = page.locator(".govuk-summary-list__row", has_text=app["name"])
    expect(listed.get_by_role("link", name=re.compile("^Site du service"))).to_have_attribute(
        "href", "https://tensio.example")

    # The app sends her to the gateway's authorization page (in the same tab).
    oauth = OAuth2Session(app["client_id"], app["client_secret"], scope="MESURES_TENSION", redirect_uri=callback,
                          code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier = generate_token(48)
    url, state = oauth.create_authorization_url(f"{platform.gateway_url}/oauth/authorize", code_verifier=verifier)
    page.goto(url)
    tab.audit()
    page.locator("#login_id").fill(patient["login_id"])
    page.locator("#password").fill(patient["password"])
    before = len(read_mails(platform.mail_dir))
    tab.submit(page.get_by_role("button", name="Continuer"))
    page.locator("#code").fill(
        mailed_code(platform, patient["email"], before))
    tab.submit(page.get_by_role("button", name="Valider"))
    expect(page.get_by_text(app["name"]).first).to_be_visible()
    page.get_by_label("Partager vos mesures de tension").check()
    tab.submit(page.get_by_role("button", name="Autoriser la sélection"))
    assert returned and parse_qs(urlsplit(returned[-1]).query).get("state") == [state], returned
    token = oauth.fetch_token(f"{platform.gateway_url}/oauth/token", authorization_response=returned[-1],
                              code_verifier=verifier)

    tab.goto("/applications")
    connected = page.locator("li", has_text=app["name"])
    expect(connected).to_contain_text("Connecté")
    expect(connected.get_by_label("Partager vos mesures de tension")).to_be_checked()
    # Bad input: no consent left at all.
    connected.get_by_label("Partager vos mesures de tension").uncheck()
    tab.submit(connected.get_by_role("button", name=re.compile("^Enregistrer mes choix")))
    expect(page.locator(".govuk-error-message")).to_contain_text("Cochez au moins un partage")
    connected = page.locator("li", has_text=app["name"])
    tab.submit(connected.get_by_role("button", name=re.compile("^Déconnecter ce service")))
    expect(page.get_by_text(f"Voulez-vous vraiment déconnecter « {app['name']} »")).to_be_visible()
    tab.screenshot("applications")
    tab.submit(page.get_by_role("button", name=f"Oui, déconnecter « {app['name']} »"))
    expect(page.get_by_role("alert")).to_contain_text(f"« {app['name']} » est déconnecté")
    expect(page.get_by_text("Aucun service n’est connecté à votre espace.")).to_be_visible()

    refused = httpx.get(f"{platform.gateway_url}/v1/patients/{patient['account_id']}/profile/measurements",
                        headers={"authorization": f"Bearer {token['access_token']}"}, timeout=30)
    assert refused.status_code in (401, 403), refused.text
