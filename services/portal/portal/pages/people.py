"""Mes proches (DOMAIN §3.3-3.5, §10.5): the delegations she holds for others (children she
represents, people she helps) and those others hold for her; inviting a caregiver, answering an
invitation, ending a delegation or setting its end date; acting for a profile and coming back.
Everything here uses her own token, even while she acts for someone."""
from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import labels
from portal.auth import Caller, act_for, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages, french_date
from portal.session import session_of

INVITE_REFUSALS = {
    "DELEGATE_NOT_FOUND": "Nous n’avons trouvé personne avec ces nom, prénom et date de naissance. Vérifiez-les",
    "DELEGATE_NOT_ACTIVATED": "Cette personne n’a pas encore activé son espace santé : elle doit l’activer avant",
    "DELEGATE_AMBIGUOUS": "Plusieurs personnes correspondent : contactez le 3422 pour l’inviter",
    "DELEGATION_EXISTS": "Cette personne est déjà votre aidant, ou déjà invitée",
    "CAREGIVER_LIMIT": "Vous avez déjà 3 aidants : c’est le maximum",
    "HELPED_LIMIT": "Cette personne aide déjà 5 personnes : c’est le maximum",
    "SELF_INVITATION": "Vous ne pouvez pas vous inviter vous-même",
}


def routes(pages: Pages) -> list[Route]:
    async def page(request: Request, caller: Caller, status: int = 200, values: dict | None = None,
                   errors: dict | None = None, confirm: str = "") -> Response:
        gateway = gateway_of(request)
        found = await gateway.call("GET", "/v1/patients/me/delegations", token=caller.own_token,
                                   params={"page_size": 100})
        mine = caller.account_id
        delegations = found.get("delegations", [])
        for_others = [d for d in delegations if d.get("delegateAccountId") == mine]
        for_me = [d for d in delegations if d.get("patientId") == mine and d.get("delegateAccountId") != mine]
        names = {d["patientId"]: d.get("patientDisplayName", "") for d in for_others}
        return pages.render(request, "people.html", status, for_others=for_others, for_me=for_me, names=names,
                            states=labels.DELEGATION_STATES, kinds=labels.DELEGATION_KINDS,
                            acting=caller.delegate, confirm=confirm, values=values or {}, errors=errors or {})

    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        return await page(request, caller)

    @signed_in
    async def invite(request: Request, caller: Caller) -> Response:
        values = text_fields(await posted(request))
        values.pop("csrf", None)
        values = {k: v.strip() for k, v in values.items()}
        errors: dict[str, str] = {}
        if not values.get("prenom"):
            errors["prenom"] = "Saisissez le prénom de la personne"
        if not values.get("nom"):
            errors["nom"] = "Saisissez le nom de naissance de la personne"
        born, problem = day_of(values, "naissance", past=True)
        if problem:
            errors["naissance-jour"] = problem
        ends, problem = day_of(values, "fin", past=False)
        if problem:
            errors["fin-jour"] = problem
        if not errors:
            body = {"type": "DELEGATION_TYPE_CAREGIVING", "delegateGivenName": values["prenom"],
                    "delegateFamilyName": values["nom"], "delegateBirthDate": born}
            if ends:
                body["endsOn"] = ends
            try:
                await gateway_of(request).call("POST", "/v1/patients/me/delegations", token=caller.own_token,
                                               json=body)
            except GatewayError as exc:
                refusal = INVITE_REFUSALS.get(exc.reason)
                if refusal is None and exc.status == 400 and "ends_on" in exc.fields():
                    errors["fin-jour"] = "Cette date de fin n’est pas acceptée : choisissez un jour après aujourd’hui"
                    return await page(request, caller, 400, values, errors)
                if refusal is None and exc.status == 403:
                    refusal = "Seule la personne elle-même peut inviter ses aidants"
                if refusal is None:
                    raise
                errors["prenom"] = refusal
            else:
                session_of(request)["notice"] = (f"{values['prenom']} {values['nom']} est invité(e) à devenir votre "
                                                 "aidant. L’invitation reste valable 30 jours.")
                return RedirectResponse("/proches", 303)
        return await page(request, caller, 400, values, errors)

    @signed_in
    async def respond(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        accept = form.get("reponse") == "accepter"
        await change(request, caller, f"/v1/delegations/{request.path_params['delegation_id']}:respond",
                     {"accept": accept})
        session_of(request)["notice"] = ("Vous avez accepté l’invitation : vous pouvez maintenant agir pour cette "
                                         "personne." if accept else "Vous avez refusé l’invitation.")
        return RedirectResponse("/proches", 303)

    @signed_in
    async def revoke(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        delegation_id = str(request.path_params["delegation_id"])
        if form.get("confirmation") != "oui":
            return await page(request, caller, confirm=delegation_id)
        await change(request, caller, f"/v1/delegations/{delegation_id}:revoke", {})
        session_of(request)["notice"] = "Le partage est terminé."
        return RedirectResponse("/proches", 303)

    @signed_in
    async def end_date(request: Request, caller: Caller) -> Response:
        values = text_fields(await posted(request))
        delegation_id = str(request.path_params["delegation_id"])
        ends, problem = day_of(values, "fin", past=False)
        if not problem and not ends and values.get("retirer") != "oui":
            problem = "Saisissez la date de fin du partage"
        if problem:
            return await page(request, caller, 400, {f"{delegation_id}--{k}": v for k, v in values.items()},
                              {f"{delegation_id}--fin-jour": problem})
        try:
            await change(request, caller, f"/v1/delegations/{delegation_id}:setEndDate", {"endsOn": ends})
        except GatewayError as exc:
            if exc.status != 400:
                raise
            return await page(request, caller, 400, {f"{delegation_id}--{k}": v for k, v in values.items()},
                              {f"{delegation_id}--fin-jour": "Cette date de fin n’est pas acceptée : choisissez un "
                                                             "jour après aujourd’hui, dans moins de 10 ans"})
        session_of(request)["notice"] = (f"Le partage prendra fin le {french_date(ends)}." if ends
                                         else "Le partage n’a plus de date de fin.")
        return RedirectResponse("/proches", 303)

    @signed_in
    async def act(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        patient_id = str(form.get("profil", ""))
        name = await name_of(request, caller.own_token, patient_id)
        acting = await act_for(request, caller.own_token, patient_id, name)
        if acting is None:
            return RedirectResponse("/proches", 303)
        session_of(request)["notice"] = f"Vous agissez maintenant pour {name}."
        return RedirectResponse("/", 303)

    @signed_in
    async def back(request: Request, caller: Caller) -> Response:
        await posted(request)
        session_of(request).pop("acting_for")
        session_of(request)["notice"] = "Vous êtes revenu(e) à votre espace."
        return RedirectResponse("/", 303)

    async def change(request: Request, caller: Caller, path: str, body: dict) -> dict:
        try:
            return await gateway_of(request).call("POST", path, token=caller.own_token, json=body)
        except GatewayError as exc:
            if exc.status != 400 or not exc.reason or exc.reason == "INVALID_ARGUMENT" or exc.violations:
                raise
            session_of(request)["notice"] = "Cette action n’est plus possible : la page est à jour."
            return {}

    return [Route("/proches", listing), Route("/proches/inviter", invite, methods=["POST"]),
            Route("/proches/agir", act, methods=["POST"]), Route("/proches/revenir", back, methods=["POST"]),
            Route("/proches/{delegation_id:uuid}/reponse", respond, methods=["POST"]),
            Route("/proches/{delegation_id:uuid}/fin", revoke, methods=["POST"]),
            Route("/proches/{delegation_id:uuid}/date-de-fin", end_date, methods=["POST"])]


async def name_of(request: Request, own_token: str, patient_id: str) -> str:
    """The name of a profile she acts for, as her delegations give it; "" when none names it."""
    found = await gateway_of(request).call("GET", "/v1/patients/me/delegations", token=own_token,
                                           params={"page_size": 100})
    return next((d.get("patientDisplayName", "") for d in found.get("delegations", [])
                 if d.get("patientId") == patient_id), "")


def day_of(values: dict, prefix: str, *, past: bool) -> tuple[str, str]:
    """A date typed in three boxes (`prefix`-jour, -mois, -annee): (ISO date or "", error or "")."""
    day, month, year = (values.get(f"{prefix}-{p}", "").strip() for p in ("jour", "mois", "annee"))
    if not (day or month or year):
        return "", ("Saisissez la date de naissance de la personne" if past else "")
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        return "", "Saisissez une vraie date, par exemple 27 3 1960"
    if when.year < 1900:
        return "", "L’année compte 4 chiffres, par exemple 1960"
    if past and when > date.today():
        return "", "La date de naissance doit être dans le passé"
    if not past and when <= date.today():
        return "", "La date de fin doit être après aujourd’hui"
    if not past and when.year > date.today().year + 9:
        return "", "La date de fin doit être dans moins de 10 ans"
    return when.isoformat(), ""
