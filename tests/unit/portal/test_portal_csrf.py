"""CSRF tokens are tied to the session; a missing, empty or forged one is refused, in the pure
check and through the app (a French 403 page)."""
from __future__ import annotations

from starlette.testclient import TestClient

from portal.app import build_app
from portal.config import load_settings
from portal.session import Session, csrf_token, csrf_valid

ENV = {"GATEWAY_URL": "http://127.0.0.1:9", "SESSION_SECRET": "k" * 40}


class TestCsrfToken:
    def test_made_once_per_session(self):
        session = Session()
        token = csrf_token(session)
        assert len(token) >= 40 and csrf_token(session) == token and session.modified

    def test_only_the_sessions_own_token_passes(self):
        session = Session()
        token = csrf_token(session)
        assert csrf_valid(session, token)
        for forged in (None, "", token[:-1], token + "x", "forgé", ["list"]):
            assert not csrf_valid(session, forged)

    def test_a_session_without_token_accepts_nothing(self):
        assert not csrf_valid(Session(), "")
        assert not csrf_valid(Session({"csrf": ""}), "")


class TestFormsThroughTheApp:
    def test_a_post_without_the_token_is_a_french_403_and_the_page_has_the_headers(self):
        with TestClient(build_app(load_settings(ENV)), base_url="http://portail.test") as client:
            refused = client.post("/connexion", data={"login_id": "x", "password": "y"})
            assert refused.status_code == 403
            assert "Formulaire expiré ou refusé" in refused.text and 'lang="fr"' in refused.text
            page = client.get("/connexion")
            assert page.headers["content-security-policy"].startswith("default-src 'self'")
            assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
            cookie = page.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
            forged = client.post("/connexion", data={"csrf": "forgé", "login_id": "x", "password": "y"})
            assert forged.status_code == 403

    def test_a_page_without_a_session_sends_to_login_with_the_page_asked(self):
        with TestClient(build_app(load_settings(ENV)), base_url="http://portail.test") as client:
            answer = client.get("/documents?categorie=BIOLOGIE", follow_redirects=False)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/connexion?suite=%2Fdocuments%3Fcategorie%3DBIOLOGIE"

    def test_cookies_are_secure_behind_https(self):
        settings = load_settings({**ENV, "PUBLIC_BASE_URL": "https://portail.example"})
        with TestClient(build_app(settings), base_url="https://portail.example") as client:
            page = client.get("/connexion")
            assert "Secure" in page.headers["set-cookie"] and "strict-transport-security" in page.headers


class TestFormSizes:
    def test_a_form_beyond_64_kib_or_without_a_length_is_refused_before_it_is_read(self):
        with TestClient(build_app(load_settings(ENV)), base_url="http://portail.test") as client:
            csrf = client.get("/connexion").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            large = client.post("/connexion", data={"csrf": csrf, "login_id": "x" * 70_000, "password": "y"})
            assert large.status_code == 413 and "Envoi trop volumineux" in large.text
            chunked = client.post("/connexion", content=iter([b"csrf=" + csrf.encode()]),
                                  headers={"content-type": "application/x-www-form-urlencoded"})
            assert chunked.status_code == 413
