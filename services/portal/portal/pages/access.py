"""Who may see her documents (DOMAIN §3.1, §3.2, §10.2): her care team (add a professional found in
the directory by name or RPPS, with a role and the administrator flag; remove), blocked
professionals (block, unblock), the emergency consents, and masking new documents by default."""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages
from portal.session import session_of

ROLES = {"": "Sans rôle particulier", "CARE_TEAM_ROLE_MEDECIN_TRAITANT": "Médecin traitant",
         "CARE_TEAM_ROLE_SAGE_FEMME_REFERENTE": "Sage-femme référente",
         "CARE_TEAM_ROLE_PHARMACIEN_CORRESPONDANT": "Pharmacien correspondant"}
REFUSALS = {"PROFESSIONAL_BLOCKED": "Ce professionnel est bloqué : débloquez-le d’abord pour l’ajouter à votre équipe",
            "NOT_A_CARE_PROFESSIONAL": "La médecine du travail et les médecins des assurances n’ont pas accès à votre "
                                       "dossier",
            "ACCOUNT_CLOSED": "Ce profil est fermé : ses réglages ne peuvent plus être changés"}
ROLE_REFUSAL = "Ce rôle ne correspond pas à la profession de ce professionnel : choisissez un autre rôle"


def name_of(professional: dict | None) -> str:
    if not professional:
        return "Professionnel de santé"
    return " ".join(p for p in (professional.get("givenName", ""), professional.get("familyName", "")) if p) \
        or "Professionnel de santé"


def routes(pages: Pages) -> list[Route]:
    async def professionals(request: Request, caller: Caller, ids: set[str]) -> dict[str, dict]:
        async def one(pid: str) -> dict:
            try:
                return await gateway_of(request).call("GET", f"/v1/professionals/{pid}", token=caller.token)
            except GatewayError as exc:
                if exc.status not in (403, 404):
                    raise
                return {}
        ordered = sorted(ids)
        return dict(zip(ordered, await asyncio.gather(*(one(i) for i in ordered))))

    async def page(request: Request, caller: Caller, status: int = 200, errors: dict | None = None,
                   values: dict | None = None) -> Response:
        gateway = gateway_of(request)
        settings = await gateway.call("GET", f"/v1/patients/{caller.patient_id}/access-settings", token=caller.token)
        values = values if values is not None else {"recherche": request.query_params.get("recherche", "").strip()}
        errors = dict(errors or {})
        found: list[dict] = []
        query = values.get("recherche", "")
        if "recherche" in request.query_params and request.method == "GET":
            if not query:
                errors["recherche"] = "Saisissez un nom ou un numéro RPPS"
                status = 400
            elif len(query) > 100:
                errors["recherche"] = "Saisissez au plus 100 caractères"
                status = 400
            else:
                found = (await gateway.call("GET", "/v1/professionals", token=caller.token,
                                            params={"query": query, "pageSize": 20})).get("professionals", [])
        team = settings.get("careTeam", [])
        blocked = settings.get("blockedProfessionalIds", [])
        known = await professionals(request, caller, {m["professionalId"] for m in team} | set(blocked))
        return pages.render(request, "access.html", status, settings=settings, team=team, blocked=blocked,
                            known=known, found=found, searched="recherche" in request.query_params and not errors,
                            values=values, errors=errors, roles=ROLES, name_of=name_of,
                            emergency=settings.get("emergency") or {})

    @signed_in
    async def overview(request: Request, caller: Caller) -> Response:
        return await page(request, caller)

    async def change(request: Request, caller: Caller, method: str, path: str, body: dict | None, notice: str,
                     field: str = "_") -> Response:
        try:
            await gateway_of(request).call(method, f"/v1/patients/{caller.patient_id}/{path}", token=caller.token,
                                           json=body)
        except GatewayError as exc:
            if exc.status == 400 and "role" in exc.fields():
                return await page(request, caller, 400, {field: ROLE_REFUSAL})
            if exc.status in (400, 409, 412) and exc.reason in REFUSALS:
                return await page(request, caller, 400, {field: REFUSALS[exc.reason]})
            raise
        session_of(request)["notice"] = notice
        return RedirectResponse("/acces", 303)

    @signed_in
    async def add(request: Request, caller: Caller) -> Response:
        form = text_fields(await posted(request))
        role = form.get("role", "")
        pid = form.get("professionnel", "")
        if role not in ROLES or not pid or len(pid) > 36:
            return await page(request, caller, 400, {"_": "Choisissez le professionnel et son rôle"})
        body = {"professionalId": pid, "administrator": form.get("administrateur") == "oui"}
        if role:
            body["role"] = role
        return await change(request, caller, "POST", "care-team", body,
                            f"{form.get('nom', 'Le professionnel')} fait partie de votre équipe de soins.")

    @signed_in
    async def remove(request: Request, caller: Caller) -> Response:
        form = text_fields(await posted(request))
        return await change(request, caller, "DELETE", f"care-team/{request.path_params['pid']}", None,
                            f"{form.get('nom', 'Le professionnel')} ne fait plus partie de votre équipe de soins.")

    @signed_in
    async def block(request: Request, caller: Caller) -> Response:
        form = text_fields(await posted(request))
        pid = form.get("professionnel", "")
        if not pid or len(pid) > 36:
            return await page(request, caller, 400, {"_": "Choisissez le professionnel à bloquer"})
        return await change(request, caller, "POST", "blocked-professionals", {"professionalId": pid},
                            f"{form.get('nom', 'Le professionnel')} est bloqué(e) : il ou elle ne peut plus voir vos "
                            "documents, mais peut encore vous en envoyer.")

    @signed_in
    async def unblock(request: Request, caller: Caller) -> Response:
        form = text_fields(await posted(request))
        return await change(request, caller, "DELETE", f"blocked-professionals/{request.path_params['pid']}", None,
                            f"{form.get('nom', 'Le professionnel')} n’est plus bloqué(e).")

    @signed_in
    async def emergency(request: Request, caller: Caller) -> Response:
        form = text_fields(await posted(request))
        answers = {name: form.get(name, "") for name in ("samu", "bris", "masques")}
        missing = {name: message for name, message in (
            ("samu", "Dites si le SAMU peut voir vos documents en urgence"),
            ("bris", "Dites si un professionnel peut voir vos documents en urgence"),
            ("masques", "Dites si vos documents masqués peuvent être vus en urgence")) if answers[name] not in ("oui", "non")}
        if missing:
            return await page(request, caller, 400, missing)
        body = {"emergency": {"samuAccess": answers["samu"] == "oui", "breakGlass": answers["bris"] == "oui",
                              "maskedInEmergency": answers["masques"] == "oui"}}
        forced = answers["masques"] == "oui" and answers["samu"] == answers["bris"] == "non"
        return await change(request, caller, "PATCH", "access-settings/emergency", body,
                            "Vos choix pour les accès en urgence sont enregistrés."
                            + (" Comme aucun accès d’urgence n’est permis, vos documents masqués ne seront pas vus."
                               if forced else ""))

    @signed_in
    async def mask_default(request: Request, caller: Caller) -> Response:
        form = text_fields(await posted(request))
        if form.get("masquer") not in ("oui", "non"):
            return await page(request, caller, 400, {"masquer": "Choisissez si vos nouveaux documents sont masqués"})
        mask = form["masquer"] == "oui"
        return await change(request, caller, "PUT", "access-settings/mask-by-default", {"mask": mask},
                            "Vos nouveaux documents seront masqués aux professionnels de santé." if mask
                            else "Vos nouveaux documents seront visibles par les professionnels de votre équipe de soins.")

    return [Route("/acces", overview), Route("/acces/equipe", add, methods=["POST"]),
            Route("/acces/equipe/{pid:uuid}/retirer", remove, methods=["POST"]),
            Route("/acces/blocages", block, methods=["POST"]),
            Route("/acces/blocages/{pid:uuid}/debloquer", unblock, methods=["POST"]),
            Route("/acces/urgence", emergency, methods=["POST"]),
            Route("/acces/masquage", mask_default, methods=["POST"])]
