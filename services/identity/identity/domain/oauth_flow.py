"""The authorization endpoint's pages (DOMAIN §9's pairing): the app's request checked by Authlib
(errors before a trusted redirect URI shown as a page, after it redirected with error=...), then
the holder's login (password, then the one-time code mailed as for any login, same throttles),
then her consent per purpose; the connection is created or updated and the app receives its code
and `state`. Only a space's holder pairs: a professional cannot."""
from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InsecureTransportError, OAuth2Error

from meskit.auth import PATIENT, Caller
from meskit.errors import DomainError, InvalidArgument, ResourceExhausted

from identity.domain import auditing, connections, oauth_pages as pages
from identity.domain.auditing import PASSWORD_AND_CODE
from identity.domain.catalogue_models import EXCHANGING
from identity.domain.flow_state import FlowState, new_csrf_token, same_token
from identity.domain.login import Login
from identity.domain.oauth_http import HttpRequest, HttpResponse, first
from identity.domain.oauth_models import Holder
from identity.domain.oauth_server import AppAuthorizationServer, WebOAuth2Request
from identity.domain.ports import Dependencies

EXPIRED = "Votre demande de connexion a expiré ou n'est plus valable : recommencez depuis l'application."
HOLDERS_ONLY = "Seul le titulaire d'un profil Mon espace santé peut y connecter un service."
MISSING = "Saisissez votre identifiant et votre mot de passe."
ERRORS = {
    "invalid_client": "Ce service n'est pas référencé dans le catalogue, ou il est suspendu.",
    "invalid_request": "La demande du service est incomplète ou invalide.",
    "invalid_scope": "Le service demande une finalité qu'il n'a pas déclarée.",
    "unauthorized_client": "Ce service n'est pas autorisé à se connecter ainsi.",
    "unsupported_response_type": "La demande du service est invalide.",
}


class PairingFlow:
    def __init__(self, deps: Dependencies, server: AppAuthorizationServer, login: Login, state: FlowState):
        self._deps, self._server, self._login, self._state = deps, server, login, state

    def authorize(self, http: HttpRequest, client: str) -> HttpResponse:
        if http.method == "GET":
            return self._start(http)
        if http.method != "POST":
            return pages.error("Méthode non prise en charge.", status=405)
        state = self._state.open(http.cookie("mes_oauth_pairing"))
        form = http.form()
        if state is None or not same_token(first(form, "csrf_token"), state.get("csrf", "")):
            return pages.error(EXPIRED, status=400, cookie=self._state.cleared(secure=http.secure))
        try:
            request = self._request(http, state["q"])
            grant = self._server.get_consent_grant(request)
        except InsecureTransportError as problem:
            return self._refused(None, problem, http)
        except OAuth2Error as problem:
            return self._refused(request, problem, http)
        step = first(form, "step")
        if step == "login" and state.get("step") == "login":
            return self._password(http, grant, state, form, client)
        if step == "code" and state.get("step") == "code":
            return self._code(http, grant, state, form, client)
        if step == "consent" and state.get("step") == "consent":
            return self._consent(http, request, grant, state, form)
        return pages.error(EXPIRED, status=400, cookie=self._state.cleared(secure=http.secure))

    # ---- the steps ----
    def _start(self, http: HttpRequest) -> HttpResponse:
        try:
            request = self._request(http, http.query)
            grant = self._server.get_consent_grant(request)
        except (OAuth2Error, InsecureTransportError) as problem:
            return self._refused(None, problem, http)
        csrf = new_csrf_token()
        return pages.login(grant.client.app, csrf, cookie=self._cookie(http, {"q": http.query, "step": "login",
                                                                              "csrf": csrf}))

    def _password(self, http, grant, state, form, client) -> HttpResponse:
        app = grant.client.app
        login_id, password = first(form, "login_id").strip(), first(form, "password")
        if not login_id or not password:
            return pages.login(app, state["csrf"], message=MISSING, status=400)
        try:
            started = self._login.start(login_id, password, client)
        except DomainError as refused:
            return pages.login(app, state["csrf"], message=_message(refused), status=_status(refused))
        csrf = new_csrf_token()
        return pages.code(app, csrf, started.code_sent_to, cookie=self._cookie(http, {
            "q": state["q"], "step": "code", "csrf": csrf, "challenge": started.challenge_id,
            "sent_to": started.code_sent_to}))

    def _code(self, http, grant, state, form, client) -> HttpResponse:
        app = grant.client.app
        try:
            credential = self._login.verify_code(state["challenge"], first(form, "code").strip(), client)
        except ResourceExhausted as locked:     # too many wrong codes: the login starts again
            csrf = new_csrf_token()
            return pages.login(app, csrf, message=locked.message, status=429, cookie=self._cookie(
                http, {"q": state["q"], "step": "login", "csrf": csrf}))
        except DomainError as refused:
            return pages.code(app, state["csrf"], state.get("sent_to", ""), message=_message(refused),
                              status=_status(refused))
        if credential.subject_type != PATIENT:
            return pages.error(HOLDERS_ONLY, status=403, cookie=self._state.cleared(secure=http.secure))
        now = self._deps.now()
        with self._deps.unit_of_work() as repo:
            repo.add_audit(auditing.login(Caller(PATIENT, credential.subject_id), now, PASSWORD_AND_CODE))
            existing = repo.get_connection(credential.subject_id, app.app_id)
        already = set(existing.consented_codes) if existing is not None and existing.status in EXCHANGING else set()
        csrf = new_csrf_token()
        return pages.consent(app, csrf, _asked(grant), already, cookie=self._cookie(http, {
            "q": state["q"], "step": "consent", "csrf": csrf, "patient": credential.subject_id}))

    def _consent(self, http, request, grant, state, form) -> HttpResponse:
        app, patient_id = grant.client.app, state["patient"]
        asked = [p.code for p in _asked(grant)]
        chosen = [c for c in dict.fromkeys(form.get("purpose", [])) if c in asked]
        cleared = ("Set-Cookie", self._state.cleared(secure=http.secure))
        if first(form, "decision") != "allow" or not chosen:
            response = self._server.create_authorization_response(request, grant_user=None, grant=grant)
            response.headers.append(cleared)
            return response
        now = self._deps.now()
        with self._deps.unit_of_work() as repo:
            current = repo.get_app(app.app_id) or app
            existing = repo.get_connection(patient_id, app.app_id, for_update=True)
            kept = set(existing.consented_codes) - set(asked) if existing and existing.status in EXCHANGING else set()
            connections.consent(repo, Caller(PATIENT, patient_id), current, patient_id, [*chosen, *sorted(kept)], now,
                                connection=existing)
        response = self._server.create_authorization_response(
            request, grant_user=Holder(patient_id, scope=" ".join(chosen)), grant=grant)
        response.headers.append(cleared)
        return response

    # ---- helpers ----
    def _request(self, http: HttpRequest, query: str) -> WebOAuth2Request:
        return WebOAuth2Request(HttpRequest("GET", "/oauth/authorize", query, http.headers, b"", http.base_url),
                                form={})

    def _refused(self, request, problem, http: HttpRequest) -> HttpResponse:
        """After a trusted redirect URI, the app learns why (error=..., state); before, the person."""
        if isinstance(problem, OAuth2Error) and problem.redirect_uri:
            if request is not None:
                problem.state = request.payload.state
            response = self._server.handle_error_response(request, problem)
            response.headers.append(("Set-Cookie", self._state.cleared(secure=http.secure)))
            return response
        code = getattr(problem, "error", "invalid_request")
        return pages.error(ERRORS.get(code, ERRORS["invalid_request"]), code,
                           cookie=self._state.cleared(secure=http.secure))

    def _cookie(self, http: HttpRequest, state: dict) -> str:
        return self._state.cookie(self._state.seal(state), secure=http.secure)


def _asked(grant):
    """The app's purposes the request asks consent for (its scope; every purpose when none)."""
    codes = set((grant.request.scope or "").split())
    return [p for p in grant.client.app.purposes if p.code in codes]


def _message(error: DomainError) -> str:
    if isinstance(error, InvalidArgument):
        return "Les informations saisies sont incomplètes ou invalides."
    return error.message


def _status(error: DomainError) -> int:
    return {"RESOURCE_EXHAUSTED": 429, "UNAUTHENTICATED": 401}.get(error.code, 400)
