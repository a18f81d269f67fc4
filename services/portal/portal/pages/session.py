"""Login (identifiant + mot de passe), the one-time code mailed, logout."""
from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import forms
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages
from portal.session import PROFESSIONAL, session_of, start_signed_in


def routes(pages: Pages) -> list[Route]:
    async def login(request: Request) -> Response:
        session = session_of(request)
        home = "/pro" if request.url.path.startswith("/pro") else "/"
        suite = forms.safe_next(request.query_params.get("suite"), home)
        if request.method == "GET":
            if "tokens" in session:
                return RedirectResponse(_space_of(session, suite), 303)
            return pages.render(request, "login.html", values={"suite": suite})
        raw = text_fields(await posted(request))
        form = forms.login_form(raw)
        suite = forms.safe_next(raw.get("suite"), home)
        form.values["suite"] = suite
        reopen = raw.get("rouvrir") == "oui"
        if form.valid:
            try:
                started = await gateway_of(request).call("POST", "/v1/sessions:start",
                                                         json={**form.clean, "reopen": reopen})
            except GatewayError as exc:
                if exc.status == 401:
                    form.error("login_id", "Identifiant ou mot de passe incorrect. Vérifiez-les et recommencez.")
                elif exc.status == 429:
                    form.error("login_id", "Trop d’essais : votre connexion est bloquée quelques minutes. "
                                    "Réessayez plus tard.")
                elif exc.status == 400 and exc.reason == "ACCOUNT_CLOSED":
                    return pages.render(request, "login.html", 400, values=form.values, closed=True)
                elif exc.status == 400 and exc.reason == "ERASURE_STARTED":
                    form.error("login_id", "Cet espace est clôturé et ses données sont en cours d’effacement : il ne "
                                           "peut plus être rouvert.")
                else:
                    raise
            else:
                session["challenge"] = {"id": started["challengeId"], "sent_to": started.get("codeSentTo", ""),
                                        "suite": suite, "reopen": reopen}
                return RedirectResponse("/connexion/code", 303)
        return pages.render(request, "login.html", 400, values=form.values, errors=form.errors)

    async def code(request: Request) -> Response:
        session = session_of(request)
        challenge = session.get("challenge")
        if not isinstance(challenge, dict):
            return RedirectResponse("/connexion", 303)
        if request.method == "GET":
            return pages.render(request, "code.html", sent_to=challenge["sent_to"])
        form = forms.code_form(text_fields(await posted(request)))
        if form.valid:
            try:
                tokens = await gateway_of(request).call(
                    "POST", "/v1/sessions:complete", json={"challenge_id": challenge["id"], "code": form.clean["code"],
                                                      "reopen": bool(challenge.get("reopen"))})
            except GatewayError as exc:
                if exc.status == 401:
                    form.error("code", "Ce code n’est pas le bon, ou il a expiré. Vérifiez l’e-mail le plus récent.")
                elif exc.status == 429:
                    form.error("code", "Trop d’essais : votre connexion est bloquée quelques minutes.")
                else:
                    raise
            else:
                start_signed_in(session, tokens, time.time())
                if challenge.get("reopen"):
                    session["notice"] = "Votre espace est rouvert. Bon retour dans Mon espace santé !"
                return RedirectResponse(_space_of(session, forms.safe_next(challenge.get("suite"))), 303)
        return pages.render(request, "code.html", 400, sent_to=challenge["sent_to"], values=form.values,
                            errors=form.errors)

    async def logout(request: Request) -> Response:
        await posted(request)
        session = session_of(request)
        tokens = session.get("tokens")
        if isinstance(tokens, dict):
            try:
                await gateway_of(request).call("POST", "/v1/sessions:logout",
                                                     json={"refresh_token": tokens["refresh"]})
            except GatewayError:
                pass            # the session ends here anyway; its refresh token expires by itself
        session.clear()
        session["notice"] = "Vous êtes déconnecté(e). À bientôt !"
        return RedirectResponse("/connexion", 303)

    return [Route("/connexion", login, methods=["GET", "POST"]), Route("/pro/connexion", login, methods=["GET", "POST"]),
            Route("/connexion/code", code, methods=["GET", "POST"]),
            Route("/deconnexion", logout, methods=["POST"])]


def _space_of(session, suite: str) -> str:
    """The page asked for, when it is one of the signed-in person's kind; else the home of her kind."""
    professional = session["tokens"]["kind"] == PROFESSIONAL
    if professional != (suite == "/pro" or suite.startswith("/pro/")):
        return "/pro" if professional else "/"
    return suite
