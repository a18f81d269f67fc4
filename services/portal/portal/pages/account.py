"""Mon compte: her own account (even while she acts for someone): phone and postal address, a
new email (a code mailed to it), the export of her data, closing her space (DOMAIN §4.4)."""
from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import forms
from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages
from portal.session import session_of



def routes(pages: Pages) -> list[Route]:
    async def page(request: Request, caller: Caller, status: int = 200, values: dict | None = None,
                   errors: dict | None = None) -> Response:
        gateway = gateway_of(request)
        account = await gateway.call("GET", f"/v1/accounts/{caller.account_id}", token=caller.own_token)
        try:
            exports = (await gateway.call("GET", f"/v1/patients/{caller.account_id}/exports",
                                          token=caller.own_token)).get("exports", [])
        except GatewayError as exc:
            if exc.status in (401,):
                raise
            exports = None
        shown = {"telephone": account.get("phone", ""), "adresse": account.get("postalAddress", ""), **(values or {})}
        return pages.render(request, "account.html", status, account=account, exports=exports,
                            change=session_of(request).get("email_change"), values=shown, errors=errors or {})

    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        return await page(request, caller)

    @signed_in
    async def contact(request: Request, caller: Caller) -> Response:
        values = {k: v.strip() for k, v in text_fields(await posted(request)).items() if k != "csrf"}
        errors = {}
        address = values.get("adresse", "")
        if not address:
            errors["adresse"] = "Saisissez votre adresse postale"
        elif len(address) > 500:
            errors["adresse"] = "L’adresse compte au plus 500 caractères"
        if errors:
            return await page(request, caller, 400, values, errors)
        try:
            await gateway_of(request).call("PATCH", f"/v1/accounts/{caller.account_id}/contact",
                                           token=caller.own_token, json={"postalAddress": address})
        except GatewayError as exc:
            if exc.status != 400:
                raise
            return await page(request, caller, 400, values, {"adresse": "Cette adresse n’a pas été acceptée : "
                                                                        "vérifiez-la"})
        session_of(request)["notice"] = "Votre adresse postale est enregistrée."
        return RedirectResponse("/compte", 303)

    @signed_in
    async def email_start(request: Request, caller: Caller) -> Response:
        raw = text_fields(await posted(request))
        values = {"email": raw.get("email", "").strip()}
        errors = {}
        if not values["email"]:
            errors["email"] = "Saisissez votre nouvelle adresse e-mail"
        elif not forms.EMAIL.match(values["email"]):
            errors["email"] = "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr"
        if not raw.get("mot_de_passe_email"):
            errors["mot_de_passe_email"] = "Saisissez votre mot de passe"
        if not errors:
            try:
                started = await gateway_of(request).call(
                    "POST", f"/v1/accounts/{caller.account_id}/email:startChange", token=caller.own_token,
                    json={"newEmail": values["email"], "password": raw["mot_de_passe_email"]})
            except GatewayError as exc:
                if exc.status == 403 and exc.reason in ("INVALID_PASSWORD", "INVALID_CREDENTIALS"):
                    errors["mot_de_passe_email"] = "Ce mot de passe n’est pas le bon"
                elif exc.status == 429:
                    errors["mot_de_passe_email"] = "Trop d’essais : réessayez dans quelques minutes"
                elif exc.status == 400:
                    errors["email"] = "Cette adresse e-mail n’a pas été acceptée : vérifiez-la"
                else:
                    raise
            else:
                session_of(request)["email_change"] = {"id": started["changeId"],
                                                       "sent_to": started.get("codeSentTo", "")}
                return RedirectResponse("/compte#nouvel-email", 303)
        return await page(request, caller, 400, values, errors)

    @signed_in
    async def email_confirm(request: Request, caller: Caller) -> Response:
        session = session_of(request)
        change = session.get("email_change")
        if not isinstance(change, dict):
            return RedirectResponse("/compte", 303)
        form = forms.code_form(text_fields(await posted(request)))
        if form.valid:
            try:
                account = await gateway_of(request).call(
                    "POST", f"/v1/accounts/{caller.account_id}/email:confirmChange", token=caller.own_token,
                    json={"changeId": change["id"], "code": form.clean["code"]})
            except GatewayError as exc:
                if exc.status not in (403, 400, 429):
                    raise
                form.error("code", "Ce code n’est pas le bon, ou il a expiré. Vérifiez l’e-mail le plus récent.")
            else:
                session.pop("email_change")
                session["notice"] = f"Votre adresse e-mail est maintenant {account.get('email', '')}."
                return RedirectResponse("/compte", 303)
        return await page(request, caller, 400, form.values, form.errors)

    @signed_in
    async def export(request: Request, caller: Caller) -> Response:
        await posted(request)
        try:
            await gateway_of(request).call("POST", f"/v1/patients/{caller.account_id}/exports",
                                           token=caller.own_token, json={})
        except GatewayError as exc:
            if exc.reason != "EXPORT_RUNNING":
                raise
        session_of(request)["notice"] = ("Votre demande est enregistrée : l’archive de vos données est en préparation. "
                                         "Nous vous prévenons quand elle est prête.")
        return RedirectResponse("/compte#mes-donnees", 303)

    @signed_in
    async def export_download(request: Request, caller: Caller) -> Response:
        export_id = str(request.path_params["export_id"])
        answer = await gateway_of(request).download(
            f"/v1/patients/{caller.account_id}/exports/{export_id}:download", token=caller.own_token)
        passed = {name: answer.headers[name] for name in ("content-type", "content-disposition")
                  if name in answer.headers}
        passed.setdefault("content-disposition", f"attachment; filename*=UTF-8''{quote('mon-espace-sante.zip')}")
        return Response(answer.content, 200, headers=passed)

    @signed_in
    async def close(request: Request, caller: Caller) -> Response:
        raw = text_fields(await posted(request))
        values = {"suppression": "oui" if raw.get("suppression") == "oui" else ""}
        errors = {}
        if not raw.get("mot_de_passe"):
            errors["mot_de_passe"] = "Saisissez votre mot de passe pour clôturer votre espace"
        if raw.get("confirmation") != "oui":
            errors["confirmation"] = "Cochez la case pour confirmer la clôture"
        if not errors:
            try:
                await gateway_of(request).call(
                    "POST", f"/v1/accounts/{caller.account_id}:close", token=caller.own_token,
                    json={"password": raw["mot_de_passe"], "deleteData": values["suppression"] == "oui"})
            except GatewayError as exc:
                if exc.status == 403 and exc.reason == "INVALID_CREDENTIALS":
                    errors["mot_de_passe"] = "Ce mot de passe n’est pas le bon"
                elif exc.status == 429:
                    errors["mot_de_passe"] = "Trop d’essais : réessayez dans quelques minutes"
                else:
                    raise
            else:
                session = session_of(request)
                session.clear()
                session["notice"] = ("Votre espace est clôturé. Vous pouvez le rouvrir en vous connectant avec "
                                     "votre identifiant et votre mot de passe.")
                return RedirectResponse("/connexion", 303)
        return await page(request, caller, 400, values, errors)

    return [Route("/compte", listing), Route("/compte/adresse", contact, methods=["POST"]),
            Route("/compte/email", email_start, methods=["POST"]),
            Route("/compte/email/code", email_confirm, methods=["POST"]),
            Route("/compte/export", export, methods=["POST"]),
            Route("/compte/export/{export_id:uuid}/telecharger", export_download),
            Route("/compte/cloture", close, methods=["POST"])]
