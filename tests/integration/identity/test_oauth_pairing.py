"""The OAuth 2.0 pairing over real gRPC, as a browser and an app would drive it (mes.web.v1
WebRequests): the login and consent pages, the code for tokens with PKCE S256, rotating refresh
tokens, revocation, introspection, metadata; and every bad request refused the standard's way."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import PROFESSIONALS
from devtools.rpc_errors import error_of
from meskit.auth import APP, SERVICE, Caller
from meskit.status import details

from catalogue_fixtures import PASSWORD, REDIRECT_URI, activated_patient, catalogue_stub, reference
from oauth_pairing import (BASE_URL, Browser, authorize_query, basic, exchange, forms_of, header, log_in, pair,
                           paired_tokens, pkce, post, refresh, token_caller)


@pytest.fixture
def app(identity):
    return reference(identity)


@pytest.fixture
def patient(identity):
    return activated_patient(identity)


def body(response) -> dict:
    return json.loads(response.body)


def tokens(identity, app, patient, **kwargs) -> dict:
    return paired_tokens(identity, app, "jacqueline.martin", PASSWORD, REDIRECT_URI, **kwargs)


def grant_of(identity, patient_id, app_id, access_token):
    caller = token_caller(identity, access_token)
    return identity.stub.GetAccessContext(pb.GetAccessContextRequest(
        patient_id=patient_id, app_id=caller.subject, app_token_id=caller.token_id),
        metadata=identity.as_(Caller(SERVICE, "profile"))).app_grant


class TestPairing:
    def test_the_whole_pairing_then_tokens(self, identity, app, patient):
        browser = Browser(identity)
        verifier, challenge = pkce()
        login_page = browser.authorize(query=authorize_query(app.app.app_id, REDIRECT_URI, challenge, state="s-42"))
        assert login_page.status == 200
        assert "GlycoSuivi" in login_page.body.decode() and "Mot de passe" in login_page.body.decode()
        for name, value in (("content-security-policy", "default-src 'self'"), ("x-frame-options", "DENY"),
                            ("cache-control", "no-store")):
            assert header(login_page, name).startswith(value)
        cookie = header(login_page, "set-cookie")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/oauth" in cookie and "Secure" in cookie
        assert PASSWORD not in cookie
        consent_page = log_in(browser, login_page, "jacqueline.martin", PASSWORD)
        text = consent_page.body.decode()
        assert "Partager vos mesures de glycémie" in text and "Ajouter à vos mesures de santé : glycémie" in text
        assert set(forms_of(consent_page.body)[0].checkboxes) == {"MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"}
        redirected = browser.submit(consent_page, purposes=["MESURES_GLYCEMIE"])
        assert redirected.status == 302
        location = urlsplit(header(redirected, "location"))
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
        query = parse_qs(location.query)
        assert query["state"] == ["s-42"]
        answer = post(identity, "Token", {"grant_type": "authorization_code", "code": query["code"][0],
                                          "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
                      auth=basic(app.app.app_id, app.client_secret))
        assert answer.status == 200, answer.body
        issued = body(answer)
        assert (issued["token_type"], issued["expires_in"], issued["scope"]) == ("Bearer", 600, "MESURES_GLYCEMIE")
        assert header(answer, "cache-control") == "no-store"
        caller = token_caller(identity, issued["access_token"])
        assert (caller.actor_type, caller.subject, caller.on_behalf_of, caller.scopes) == (
            APP, app.app.app_id, patient, ("MESURES_GLYCEMIE",))
        grant = grant_of(identity, patient, app.app.app_id, issued["access_token"])
        assert list(grant.purposes) == ["MESURES_GLYCEMIE"] and grant.app_name == "GlycoSuivi"
        connections = catalogue_stub(identity).ListConnections(cpb.ListConnectionsRequest(), metadata=identity.as_(
            Caller("patient", patient))).connections
        assert [(c.app_id, list(c.consented_purposes)) for c in connections] == [(app.app.app_id,
                                                                                   ["MESURES_GLYCEMIE"])]

    def test_client_secret_post_apps(self, identity, patient):
        posted = reference(identity, client_auth_method=cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_POST)
        paired = pair(identity, posted.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        basic_refused = exchange(identity, posted.app.app_id, posted.client_secret, paired)
        assert (basic_refused.status, body(basic_refused)["error"]) == (401, "invalid_client")
        paired = pair(identity, posted.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        answer = post(identity, "Token", {"grant_type": "authorization_code", "code": paired.code,
                                          "redirect_uri": REDIRECT_URI, "code_verifier": paired.verifier,
                                          "client_id": posted.app.app_id, "client_secret": posted.client_secret})
        assert answer.status == 200, answer.body

    def test_nothing_ticked_or_refused_is_access_denied(self, identity, app, patient):
        for purposes, decision in (([], "allow"), (["MESURES_GLYCEMIE"], "deny")):
            browser = Browser(identity)
            verifier, challenge = pkce()
            consent_page = log_in(browser, browser.authorize(query=authorize_query(
                app.app.app_id, REDIRECT_URI, challenge)), "jacqueline.martin", PASSWORD)
            redirected = browser.submit(consent_page, purposes=purposes, decision=decision)
            query = parse_qs(urlsplit(header(redirected, "location")).query)
            assert (redirected.status, query["error"], query["state"]) == (302, ["access_denied"], ["xyz"])

    def test_the_scope_limits_the_purposes_offered(self, identity, app, patient):
        browser = Browser(identity)
        consent_page = log_in(browser, browser.authorize(query=authorize_query(
            app.app.app_id, REDIRECT_URI, pkce()[1], scope="RAPPORTS_GLYCEMIE")), "jacqueline.martin", PASSWORD)
        assert set(forms_of(consent_page.body)[0].checkboxes) == {"RAPPORTS_GLYCEMIE"}

    def test_a_professional_cannot_pair(self, identity, app):
        identity.stub.CreateProfessional(pb.CreateProfessionalRequest(**PROFESSIONALS["gp"], password=PASSWORD),
                                         metadata=identity.operator())
        browser = Browser(identity)
        refused = log_in(browser, browser.authorize(query=authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1])),
                         PROFESSIONALS["gp"]["login_id"], PASSWORD)
        assert refused.status == 403 and "titulaire" in refused.body.decode()

    def test_wrong_password_and_wrong_code_show_the_form_again(self, identity, app, patient):
        browser = Browser(identity)
        login_page = browser.authorize(query=authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1]))
        again = browser.submit(login_page, {"login_id": "jacqueline.martin", "password": "nope-nope-nope"})
        assert again.status == 401 and "incorrect" in again.body.decode()
        code_page = browser.submit(again, {"login_id": "jacqueline.martin", "password": PASSWORD})
        wrong = browser.submit(code_page, {"code": "000000"})
        assert wrong.status == 401 and b'name="code"' in wrong.body

    def test_a_form_without_its_csrf_token_or_cookie_is_refused(self, identity, app, patient):
        browser = Browser(identity)
        login_page = browser.authorize(query=authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1]))
        forged = browser.submit(login_page, {"login_id": "jacqueline.martin", "password": PASSWORD,
                                             "csrf_token": "forged"})
        assert forged.status == 400 and "expiré" in forged.body.decode()
        stranger = Browser(identity)
        assert stranger.submit(login_page, {"login_id": "jacqueline.martin", "password": PASSWORD}).status == 400


class TestBadAuthorizationRequests:
    def page(self, identity, query):
        return Browser(identity).authorize(query=query)

    def test_wrong_redirect_uri_is_shown_not_redirected(self, identity, app):
        for uri in ("http://127.0.0.1:8765/other", "http://127.0.0.1:8765/callback/", "https://evil.example/cb"):
            shown = self.page(identity, authorize_query(app.app.app_id, uri, pkce()[1]))
            assert shown.status == 400 and not header(shown, "location")
            assert header(shown, "content-type").startswith("text/html")

    def test_unknown_or_missing_client(self, identity):
        for query in (authorize_query("00000000-0000-0000-0000-000000000000", REDIRECT_URI, pkce()[1]),
                      "response_type=code&redirect_uri=" + REDIRECT_URI):
            shown = self.page(identity, query)
            assert shown.status == 400 and "invalid_client" in shown.body.decode()

    def test_a_suspended_app_cannot_pair(self, identity, app):
        catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(app_id=app.app.app_id,
                                                                      status=cpb.APP_STATUS_SUSPENDUE),
                                              metadata=identity.operator())
        shown = self.page(identity, authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1]))
        assert shown.status == 400 and "invalid_client" in shown.body.decode()

    @pytest.mark.parametrize("challenge, method", [(None, None), (None, "S256"), ("x" * 43, "plain"),
                                                   ("x" * 43, None), ("short", "S256")])
    def test_pkce_s256_is_required_after_a_valid_redirect(self, identity, app, challenge, method):
        redirected = self.page(identity, authorize_query(app.app.app_id, REDIRECT_URI, challenge, method=method))
        assert redirected.status == 302
        query = parse_qs(urlsplit(header(redirected, "location")).query)
        assert (query["error"], query["state"]) == (["invalid_request"], ["xyz"])

    def test_unknown_scope_and_response_type(self, identity, app):
        for extra, error in (({"scope": "INCONNUE"}, "invalid_scope"), ({"response_type": "token"},
                                                                       "unsupported_response_type")):
            query = authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1], **extra)
            redirected = self.page(identity, query)
            assert parse_qs(urlsplit(header(redirected, "location")).query)["error"] == [error]


class TestTokenEndpoint:
    def test_replayed_code_is_refused_and_revokes_what_it_issued(self, identity, app, patient):
        paired = pair(identity, app.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        first = body(exchange(identity, app.app.app_id, app.client_secret, paired))
        replay = exchange(identity, app.app.app_id, app.client_secret, paired)
        assert (replay.status, body(replay)["error"]) == (400, "invalid_grant")
        error = error_of(lambda: grant_of(identity, patient, app.app.app_id, first["access_token"]))
        assert details(error).reason == "APP_TOKEN_REVOKED"
        assert body(refresh(identity, app.app.app_id, app.client_secret, first["refresh_token"]))["error"] == \
            "invalid_grant"

    def test_expired_code(self, identity, app, patient, clock):
        paired = pair(identity, app.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        clock.advance(timedelta(seconds=61))
        late = exchange(identity, app.app.app_id, app.client_secret, paired)
        assert (late.status, body(late)["error"]) == (400, "invalid_grant")

    @pytest.mark.parametrize("overrides, error", [
        ({"code_verifier": None}, "invalid_request"),
        ({"code_verifier": "w" * 50}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:8765/other"}, "invalid_grant"),
        ({"redirect_uri": None}, "invalid_grant"),
        ({"code": "not-a-code"}, "invalid_grant"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ])
    def test_bad_exchanges(self, identity, app, patient, overrides, error):
        paired = pair(identity, app.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        answer = exchange(identity, app.app.app_id, app.client_secret, paired, **overrides)
        assert (answer.status, body(answer)["error"]) == (400, error)

    def test_wrong_secret_or_unknown_client(self, identity, app, patient):
        paired = pair(identity, app.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        for client_id, secret in ((app.app.app_id, "wrong-secret"), ("00000000-0000-0000-0000-000000000000",
                                                                     app.client_secret)):
            answer = exchange(identity, client_id, secret, paired)
            assert (answer.status, body(answer)["error"]) == (401, "invalid_client")
        # an unauthenticated client never reached the code: the app itself still can
        assert exchange(identity, app.app.app_id, app.client_secret, paired).status == 200

    def test_a_rotated_secret_stops_the_old_one(self, identity, app, patient):
        rotated = catalogue_stub(identity).RotateAppSecret(cpb.RotateAppSecretRequest(app_id=app.app.app_id),
                                                           metadata=identity.operator())
        paired = pair(identity, app.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        assert exchange(identity, app.app.app_id, app.client_secret, paired).status == 401
        paired = pair(identity, app.app.app_id, "jacqueline.martin", PASSWORD, REDIRECT_URI)
        assert exchange(identity, app.app.app_id, rotated.client_secret, paired).status == 200

    def test_not_a_form(self, identity, app):
        browser = Browser(identity)
        request = browser.request("POST", "/oauth/token", headers=(("content-type", "application/json"),))
        request.body = b'{"grant_type": "authorization_code"}'
        answer = browser.stub.Token(request)
        assert (answer.status, body(answer)["error"]) == (400, "invalid_request")
        assert browser.stub.Token(browser.request("GET", "/oauth/token")).status == 405


class TestRefreshAndRevocation:
    def test_refresh_rotates_and_reuse_revokes_the_family(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        renewed = refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"])
        assert renewed.status == 200, renewed.body
        second = body(renewed)
        assert second["refresh_token"] != issued["refresh_token"]
        assert grant_of(identity, patient, app.app.app_id, second["access_token"]).purposes
        reused = refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"])
        assert (reused.status, body(reused)["error"]) == (400, "invalid_grant")
        for token in (second["access_token"], issued["access_token"]):
            error = error_of(lambda: grant_of(identity, patient, app.app.app_id, token))
            assert details(error).reason == "APP_TOKEN_REVOKED"
        assert body(refresh(identity, app.app.app_id, app.client_secret, second["refresh_token"]))["error"] == \
            "invalid_grant"

    def test_another_app_cannot_use_the_refresh_token(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        other = reference(identity, name="Autre")
        assert body(refresh(identity, other.app.app_id, other.client_secret, issued["refresh_token"]))["error"] == \
            "invalid_grant"
        assert refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"]).status == 200

    def test_revoking_an_access_token_stops_it_at_once(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        answer = post(identity, "Revoke", {"token": issued["access_token"], "token_type_hint": "access_token"},
                      auth=basic(app.app.app_id, app.client_secret))
        assert answer.status == 200
        error = error_of(lambda: grant_of(identity, patient, app.app.app_id, issued["access_token"]))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.UNAUTHENTICATED, "APP_TOKEN_REVOKED")
        assert refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"]).status == 200

    def test_revoking_a_refresh_token_ends_the_grant(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        post(identity, "Revoke", {"token": issued["refresh_token"]}, auth=basic(app.app.app_id, app.client_secret))
        assert refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"]).status == 400
        assert details(error_of(lambda: grant_of(identity, patient, app.app.app_id, issued["access_token"]))
                       ).reason == "APP_TOKEN_REVOKED"

    def test_revocation_needs_the_client_and_a_token(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        unauthenticated = post(identity, "Revoke", {"token": issued["access_token"]})
        assert (unauthenticated.status, body(unauthenticated)["error"]) == (401, "invalid_client")
        missing = post(identity, "Revoke", {}, auth=basic(app.app.app_id, app.client_secret))
        assert (missing.status, body(missing)["error"]) == (400, "invalid_request")
        unknown = post(identity, "Revoke", {"token": "whatever"}, auth=basic(app.app.app_id, app.client_secret))
        assert unknown.status == 200

    def test_withdrawal_and_disconnection_stop_the_refresh_token(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        holder = identity.as_(Caller("patient", patient))
        catalogue_stub(identity).SetConsents(cpb.SetConsentsRequest(app_id=app.app.app_id,
                                                                    purposes=["RAPPORTS_GLYCEMIE"]), metadata=holder)
        error = error_of(lambda: grant_of(identity, patient, app.app.app_id, issued["access_token"]))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.PERMISSION_DENIED, "CONSENT_NOT_GIVEN")
        assert body(refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"]))["error"] == \
            "invalid_grant"
        again = tokens(identity, app, patient, purposes=["MESURES_GLYCEMIE"])
        assert list(grant_of(identity, patient, app.app.app_id, again["access_token"]).purposes) == [
            "MESURES_GLYCEMIE"]
        catalogue_stub(identity).Disconnect(cpb.DisconnectRequest(app_id=app.app.app_id), metadata=holder)
        assert details(error_of(lambda: grant_of(identity, patient, app.app.app_id, again["access_token"]))
                       ).reason == "CONSENT_NOT_GIVEN"
        assert refresh(identity, app.app.app_id, app.client_secret, again["refresh_token"]).status in (400, 401)

    def test_a_suspended_app_s_tokens_stop(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(app_id=app.app.app_id,
                                                                      status=cpb.APP_STATUS_SUSPENDUE),
                                              metadata=identity.operator())
        assert details(error_of(lambda: grant_of(identity, patient, app.app.app_id, issued["access_token"]))
                       ).reason == "APP_TOKEN_REVOKED"
        refused = refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"])
        assert (refused.status, body(refused)["error"]) == (401, "invalid_client")


class TestIntrospectionAndMetadata:
    def test_introspection(self, identity, app, patient):
        issued = tokens(identity, app, patient, purposes=["MESURES_GLYCEMIE"])
        auth = basic(app.app.app_id, app.client_secret)
        active = body(post(identity, "Introspect", {"token": issued["access_token"]}, auth=auth))
        assert (active["active"], active["client_id"], active["sub"], active["scope"]) == (
            True, app.app.app_id, patient, "MESURES_GLYCEMIE")
        assert body(post(identity, "Introspect", {"token": issued["refresh_token"]}, auth=auth))["active"] is True
        other = reference(identity, name="Autre")
        assert body(post(identity, "Introspect", {"token": issued["access_token"]},
                         auth=basic(other.app.app_id, other.client_secret))) == {"active": False}
        post(identity, "Revoke", {"token": issued["access_token"]}, auth=auth)
        assert body(post(identity, "Introspect", {"token": issued["access_token"]}, auth=auth)) == {"active": False}
        assert post(identity, "Introspect", {"token": "x"}).status == 401

    def test_metadata_from_the_base_url(self, identity):
        browser = Browser(identity, base_url="https://mes.example")
        answer = browser.stub.Metadata(browser.request("GET", "/.well-known/oauth-authorization-server"))
        data = body(answer)
        assert (data["issuer"], data["token_endpoint"], data["code_challenge_methods_supported"]) == (
            BASE_URL, f"{BASE_URL}/oauth/token", ["S256"])
        assert data["authorization_endpoint"] == f"{BASE_URL}/oauth/authorize"
        assert data["grant_types_supported"] == ["authorization_code", "refresh_token"]


class TestMalformedWebRequests:
    def test_authorize_refuses_other_methods_and_stray_posts(self, identity, app):
        browser = Browser(identity)
        assert browser.authorize("PUT", query=authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1])).status == 405
        stray = browser.authorize("POST", form={"step": "consent", "csrf_token": "x", "purpose": "MESURES_GLYCEMIE"})
        assert stray.status == 400 and header(stray, "content-type").startswith("text/html")
        browser.cookies["mes_oauth_pairing"] = "not-a-sealed-state"
        assert browser.authorize("POST", form={"step": "login", "csrf_token": "x"}).status == 400

    def test_a_step_out_of_order_is_refused(self, identity, app, patient):
        browser = Browser(identity)
        login_page = browser.authorize(query=authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1]))
        (form,) = forms_of(login_page.body)
        skipped = browser.authorize("POST", form={**form.fields, "step": "consent", "purpose": "MESURES_GLYCEMIE",
                                                  "decision": "allow"})
        assert skipped.status == 400 and not header(skipped, "location")

    def test_undecodable_bodies_and_empty_base_url(self, identity, app):
        browser = Browser(identity)
        request = browser.request("POST", "/oauth/token", headers=(("content-type", "application/x-www-form-urlencoded"),
                                                                   basic(app.app.app_id, app.client_secret)))
        request.body = b"\xff\xfe grant_type"
        answer = browser.stub.Token(request)
        assert (answer.status, body(answer)["error"]) == (400, "unsupported_grant_type")
        for rpc in ("Token", "Revoke", "Introspect"):
            query = browser.request("POST", "/oauth/x", query="token=a", form={"token": "a"})
            assert body(getattr(browser.stub, rpc)(query))["error"] == "invalid_request"
        blank = Browser(identity, base_url="")
        assert blank.stub.Metadata(blank.request("GET", "/.well-known/oauth-authorization-server")).status == 400
        shown = blank.authorize(query=authorize_query(app.app.app_id, REDIRECT_URI, pkce()[1]))
        assert shown.status == 400 and header(shown, "content-type").startswith("text/html")

    def test_oversized_values(self, identity, app):
        shown = Browser(identity).authorize(query=authorize_query("x" * 5000, REDIRECT_URI, pkce()[1]))
        assert shown.status == 400
        answer = post(identity, "Token", {"grant_type": "refresh_token", "refresh_token": "r" * 10_000},
                      auth=basic(app.app.app_id, app.client_secret))
        assert (answer.status, body(answer)["error"]) == (400, "invalid_grant")


class TestClosedSpace:
    def test_closing_the_space_stops_the_app_s_tokens(self, identity, app, patient):
        issued = tokens(identity, app, patient)
        identity.stub.CloseAccount(pb.CloseAccountRequest(account_id=patient, password=PASSWORD),
                                   metadata=identity.as_(Caller("patient", patient)))
        error = error_of(lambda: grant_of(identity, patient, app.app.app_id, issued["access_token"]))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.UNAUTHENTICATED, "APP_TOKEN_REVOKED")
        assert body(refresh(identity, app.app.app_id, app.client_secret, issued["refresh_token"]))["error"] == \
            "invalid_grant"
