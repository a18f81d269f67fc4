"""Activation of a space: the proofs (provisional code, NIR, Vitale serial), then the login id,
password and email she chooses, and the terms (`POST /v1/activations`)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import forms
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages
from portal.session import session_of

# The service's field names (proto JSON) -> the form's.
_FIELDS = {"provisional_code": "provisional_code", "provisionalCode": "provisional_code", "nir": "nir",
           "vitale_serial": "vitale_serial", "vitaleSerial": "vitale_serial", "login_id": "login_id",
           "loginId": "login_id", "password": "password", "email": "email", "accept_terms": "accept_terms",
           "acceptTerms": "accept_terms"}


def routes(pages: Pages) -> list[Route]:
    def page(request: Request, status: int = 200, form: forms.Form | None = None) -> Response:
        return pages.render(request, "activation.html", status, rules=[(label, rule.pattern) for label, rule in forms.PASSWORD_RULES],
                            values=form.values if form else {}, errors=form.errors if form else {})

    async def activation(request: Request) -> Response:
        if request.method == "GET":
            return page(request)
        form = forms.activation_form(text_fields(await posted(request)))
        if form.valid:
            try:
                await gateway_of(request).call("POST", "/v1/activations",
                                                     json={**form.clean, "accept_terms": True})
            except GatewayError as exc:
                _refusal(form, exc)
            else:
                session_of(request)["notice"] = ("Votre espace est activé. Connectez-vous avec votre identifiant "
                                                 "et votre mot de passe.")
                return RedirectResponse("/connexion", 303)
        return page(request, 400, form)

    return [Route("/activation", activation, methods=["GET", "POST"])]


def _refusal(form: forms.Form, exc: GatewayError) -> None:
    if exc.reason == "ACTIVATION_REFUSED" or exc.status == 403:
        form.error("provisional_code", "Ces informations ne correspondent pas : vérifiez le code provisoire, "
                                       "le numéro de sécurité sociale et le numéro de série de la carte Vitale")
    elif exc.reason == "LOGIN_ID_TAKEN" or exc.status == 409:
        form.error("login_id", "Cet identifiant est déjà pris : choisissez-en un autre")
    elif exc.reason == "ALREADY_ACTIVATED":
        form.error("provisional_code", "Cet espace est déjà activé : connectez-vous avec votre identifiant")
    elif exc.status == 429:
        form.error("provisional_code", "Trop d’essais : réessayez dans quelques minutes")
    elif exc.status == 400 and exc.violations:
        for name, description in exc.fields().items():
            form.error(_FIELDS.get(name, "provisional_code"), description)
    else:
        raise exc
