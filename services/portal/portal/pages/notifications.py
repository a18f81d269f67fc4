"""The bell of the space shown: its notifications (mark one read, all read, delete one), the unread
count as JSON for the menu's badge (static/portal.js polls it), and the person's own notification
preferences (her account, even while she acts for someone)."""
from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages.history import french_moment
from portal.rendering import Pages
from portal.session import session_of

KINDS = {"message": ("Les nouveaux messages", "Un message d’un professionnel de santé"),
         "document": ("Les documents", "Un document ajouté, modifié ou consulté par un professionnel"),
         "appointment": ("Les examens et vaccins conseillés", "Les rendez-vous de prévention recommandés"),
         "screening": ("Les dépistages organisés des cancers", "Les invitations aux dépistages"),
         "synchronizedService": ("Les services connectés", "Un e-mail tous les 90 jours avec la liste des services")}
HOUR = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def routes(pages: Pages) -> list[Route]:
    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        found = await gateway_of(request).call("GET", f"/v1/profiles/{caller.patient_id}/notifications",
                                               token=caller.token, params={"pageSize": 50})
        items = found.get("notifications", [])
        return pages.render(request, "notifications.html", items=items, moment=french_moment,
                            unread=sum(1 for n in items if not n.get("read")))

    @signed_in
    async def unread(request: Request, caller: Caller) -> Response:
        try:
            counts = await gateway_of(request).call("GET", "/v1/notifications/unread-counts", token=caller.token)
            count = next((int(c.get("unread", 0)) for c in counts.get("counts", [])
                          if c.get("profileId") == caller.patient_id), 0)
        except GatewayError:
            return JSONResponse({"unread": None}, 503, headers={"cache-control": "no-store"})
        return JSONResponse({"unread": count}, headers={"cache-control": "no-store"})

    @signed_in
    async def mark(request: Request, caller: Caller) -> Response:
        await posted(request)
        await gateway_of(request).call("POST", f"/v1/notifications/{request.path_params['notification_id']}:mark",
                                       token=caller.token, json={"read": True})
        session_of(request)["notice"] = "La notification est marquée comme lue."
        return RedirectResponse("/notifications", 303)

    @signed_in
    async def mark_all(request: Request, caller: Caller) -> Response:
        await posted(request)
        done = await gateway_of(request).call("POST", f"/v1/profiles/{caller.patient_id}/notifications:markAllRead",
                                              token=caller.token, json={})
        n = int(done.get("updated", 0))
        session_of(request)["notice"] = ("Toutes les notifications sont marquées comme lues." if n
                                         else "Vous n’aviez aucune notification non lue.")
        return RedirectResponse("/notifications", 303)

    @signed_in
    async def delete(request: Request, caller: Caller) -> Response:
        await posted(request)
        await gateway_of(request).call("DELETE", f"/v1/notifications/{request.path_params['notification_id']}",
                                       token=caller.token)
        session_of(request)["notice"] = "La notification est supprimée."
        return RedirectResponse("/notifications", 303)

    @signed_in
    async def preferences(request: Request, caller: Caller) -> Response:
        path = f"/v1/accounts/{caller.account_id}/notification-preferences"
        gateway = gateway_of(request)
        if request.method == "GET":
            current = await gateway.call("GET", path, token=caller.own_token)
            values = {k: "oui" if current.get(k, True) else "" for k in KINDS}
            values.update(debut=current.get("quietHoursStart", ""), fin=current.get("quietHoursEnd", ""))
            return pages.render(request, "notification_preferences.html", values=values, kinds=KINDS)
        raw = text_fields(await posted(request))
        values = {k: "oui" if raw.get(k) == "oui" else "" for k in KINDS}
        values.update(debut=raw.get("debut", "").strip().replace("h", ":"), fin=raw.get("fin", "").strip().replace("h", ":"))
        errors: dict[str, str] = {}
        for name in ("debut", "fin"):
            if values[name] and not HOUR.match(values[name]):
                errors[name] = "Saisissez une heure comme 22:00, entre 00:00 et 23:59"
        if bool(values["debut"]) != bool(values["fin"]) and not errors:
            errors["fin" if values["debut"] else "debut"] = ("Saisissez les deux heures, ou laissez-les vides toutes "
                                                             "les deux")
        if not errors:
            body: dict[str, object] = {k: bool(values[k]) for k in KINDS}
            body.update(quietHoursStart=values["debut"], quietHoursEnd=values["fin"], accountId=caller.account_id)
            try:
                await gateway.call("PUT", path, token=caller.own_token, json={"preferences": body})
            except GatewayError as exc:
                if exc.status != 400:
                    raise
                errors["debut"] = "Ces heures ne sont pas acceptées : saisissez une heure comme 22:00"
        if errors:
            return pages.render(request, "notification_preferences.html", 400, values=values, errors=errors,
                                kinds=KINDS)
        session_of(request)["notice"] = "Vos préférences de notification sont enregistrées."
        return RedirectResponse("/notifications/preferences", 303)

    return [Route("/notifications", listing), Route("/notifications/non-lues", unread),
            Route("/notifications/tout-lu", mark_all, methods=["POST"]),
            Route("/notifications/preferences", preferences, methods=["GET", "POST"]),
            Route("/notifications/{notification_id:uuid}/lue", mark, methods=["POST"]),
            Route("/notifications/{notification_id:uuid}/supprimer", delete, methods=["POST"])]
