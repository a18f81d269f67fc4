"""Services connectés (DOMAIN §9, §10.8): the catalogue listed for her, the apps connected to the
space shown with their consents per purpose, changing them, disconnecting (after a confirmation).
Connecting is done from the app itself (OAuth on the gateway): the catalogue gives its site."""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted
from portal.gateway import gateway_of
from portal.rendering import Pages
from portal.session import session_of

LIVE = ("CONNECTION_STATUS_ACTIVE", "CONNECTION_STATUS_REAPPROVAL_REQUIRED")


def routes(pages: Pages) -> list[Route]:
    async def page(request: Request, caller: Caller, status: int = 200, errors: dict | None = None,
                   confirm: str = "") -> Response:
        gateway = gateway_of(request)
        catalogue, connections = await asyncio.gather(
            gateway.call("GET", "/v1/catalogue/apps", token=caller.token, params={"page_size": 100}),
            gateway.call("GET", f"/v1/patients/{caller.patient_id}/connections", token=caller.token))
        connected = [c for c in connections.get("connections", []) if c.get("status") in LIVE]
        return pages.render(request, "apps.html", status, apps=catalogue.get("apps", []), connected=connected,
                            confirm=confirm, errors=errors or {})

    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        return await page(request, caller)

    @signed_in
    async def consents(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        app_id = str(request.path_params["app_id"])
        chosen = [str(v) for v in form.getlist("finalites")]
        if not chosen:
            return await page(request, caller, 400, {f"finalites-{app_id}": "Cochez au moins un partage. Pour tout "
                                                     "arrêter, utilisez « Déconnecter ce service »"})
        connection = await gateway_of(request).call(
            "POST", f"/v1/patients/{caller.patient_id}/connections/{app_id}:setConsents", token=caller.token,
            json={"purposes": chosen})
        session_of(request)["notice"] = f"Vos choix pour « {connection.get('appName', '')} » sont enregistrés."
        return RedirectResponse("/applications", 303)

    @signed_in
    async def disconnect(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        app_id = str(request.path_params["app_id"])
        if form.get("confirmation") != "oui":
            return await page(request, caller, confirm=app_id)
        connection = await gateway_of(request).call(
            "POST", f"/v1/patients/{caller.patient_id}/connections/{app_id}:disconnect", token=caller.token, json={})
        session_of(request)["notice"] = (f"« {connection.get('appName', '')} » est déconnecté : il ne peut plus "
                                         "échanger de données avec votre espace.")
        return RedirectResponse("/applications", 303)

    return [Route("/applications", listing),
            Route("/applications/{app_id}/partages", consents, methods=["POST"]),
            Route("/applications/{app_id}/deconnexion", disconnect, methods=["POST"])]
