"""What a person sees when the platform fails: a French page, never a trace, with the security
headers; a gateway that no longer accepts her token sends her to the login page. The gateway is
played by an in-process HTTP transport answering as the real one does (problem JSON)."""
from __future__ import annotations

import httpx
from starlette.testclient import TestClient

from portal.app import build_app
from portal.config import load_settings

ENV = {"GATEWAY_URL": "http://gateway.test", "SESSION_SECRET": "k" * 40}


def answering(status: int, problem: dict) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=problem))


def csrf_of(page: httpx.Response) -> str:
    return page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


class TestErrorPages:
    def test_an_unexpected_gateway_answer_is_a_french_500_page_without_a_trace(self):
        transport = answering(500, {"status": 500, "code": "INTERNAL", "detail": "boom at line 12"})
        with TestClient(build_app(load_settings(ENV), transport), base_url="http://portail.test",
                        raise_server_exceptions=False) as client:
            csrf = csrf_of(client.get("/connexion"))
            failed = client.post("/connexion", data={"csrf": csrf, "login_id": "jacqueline", "password": "x"})
        assert failed.status_code == 500
        assert "Une erreur est survenue" in failed.text and 'lang="fr"' in failed.text
        assert "Traceback" not in failed.text and "boom" not in failed.text
        assert failed.headers["content-security-policy"].startswith("default-src 'self'")
        assert failed.headers["cache-control"] == "no-store"

    def test_refused_credentials_are_said_next_to_the_field_with_the_login_id_kept(self):
        transport = answering(401, {"status": 401, "code": "UNAUTHENTICATED", "reason": "INVALID_CREDENTIALS"})
        with TestClient(build_app(load_settings(ENV), transport), base_url="http://portail.test") as client:
            csrf = csrf_of(client.get("/connexion"))
            refused = client.post("/connexion", data={"csrf": csrf, "login_id": "jacqueline.m", "password": "secret!"})
        assert refused.status_code == 400
        assert 'id="login_id-erreur"' in refused.text and "Identifiant ou mot de passe incorrect" in refused.text
        assert 'value="jacqueline.m"' in refused.text and "secret!" not in refused.text

    def test_an_unknown_page_is_a_french_404(self):
        with TestClient(build_app(load_settings(ENV)), base_url="http://portail.test") as client:
            missing = client.get("/nulle-part")
        assert missing.status_code == 404 and "Page introuvable" in missing.text
