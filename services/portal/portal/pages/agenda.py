"""The agenda: the prevention calendar computed for her age and sex (with her "fait / pas fait"
marks), her appointments (upcoming and past; add, change, delete), her reminders (add, change,
delete) and the subscription URL of her calendar feed (iCalendar), made anew on request."""
from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages import agenda_forms as af
from portal.rendering import Pages
from portal.session import session_of

FEED_KEY = "agenda_feed_url"         # shown once, on the page after it was made, then forgotten


def routes(pages: Pages) -> list[Route]:
    def base(caller: Caller) -> str:
        return f"/v1/patients/{caller.patient_id}"

    @signed_in
    async def agenda(request: Request, caller: Caller) -> Response:
        gateway = gateway_of(request)
        everything = request.query_params.get("prevention") == "tout"
        params: dict = {"pageSize": 200}
        if not everything:
            params["upcomingOnly"] = "true"
        prevention = await gateway.call("GET", f"{base(caller)}/prevention-items", token=caller.token, params=params)
        now = af.utc(datetime.now(timezone.utc))
        upcoming = await gateway.call("GET", f"{base(caller)}/appointments", token=caller.token,
                                      params={"startTime": now, "pageSize": 100})
        past = await gateway.call("GET", f"{base(caller)}/appointments", token=caller.token,
                                  params={"endTime": now, "newestFirst": "true", "pageSize": 20})
        reminders = await gateway.call("GET", f"{base(caller)}/reminders", token=caller.token,
                                       params={"pageSize": 100})
        feed_url = session_of(request).pop(FEED_KEY) or ""
        return pages.render(request, "agenda.html", items=prevention.get("items", []), everything=everything,
                            upcoming=[a for a in upcoming.get("appointments", []) if a.get("startTime", "") >= now],
                            past=[a for a in past.get("appointments", []) if a.get("startTime", "") < now],
                            reminders=reminders.get("reminders", []), feed_url=feed_url, af=af)

    # ---- prevention ----
    def item_path(caller: Caller, item_id: str) -> str:
        if not af.ITEM_ID.match(item_id):
            raise GatewayError(404)
        return f"{base(caller)}/prevention-items/{quote(item_id, safe='')}"

    @signed_in
    async def prevention_item(request: Request, caller: Caller) -> Response:
        path = item_path(caller, str(request.path_params["item_id"]))
        item = await gateway_of(request).call("GET", path, token=caller.token)
        if request.method == "GET":
            status = item.get("status", "")
            answer = {"PREVENTION_STATUS_DONE": "fait", "PREVENTION_STATUS_NOT_DONE": "pas-fait"}.get(status, "")
            values = {"reponse": answer}
            if item.get("executionDate"):
                done = date.fromisoformat(item["executionDate"])
                values.update(jour=str(done.day), mois=str(done.month), annee=str(done.year))
            return pages.render(request, "agenda_prevention.html", item=item, values=values, af=af)
        form = af.done_form(text_fields(await posted(request)), date.today())
        if form.valid:
            try:
                await gateway_of(request).call("POST", path + ":markDone", token=caller.token, json=form.clean)
            except GatewayError as exc:
                if exc.status != 400 or exc.reason != "EXECUTION_DATE":
                    raise
                form.error("jour", "La date doit être entre votre date de naissance et aujourd’hui")
        if not form.valid:
            return pages.render(request, "agenda_prevention.html", 400, item=item, values=form.values,
                                errors=form.errors, af=af)
        session_of(request)["notice"] = f"Votre réponse pour « {item.get('title', '')} » est enregistrée."
        return RedirectResponse("/agenda#prevention", 303)

    # ---- appointments ----
    def appointment_path(caller: Caller, request: Request) -> str:
        return f"{base(caller)}/appointments/{request.path_params['entry_id']}"

    async def save_appointment(request: Request, caller: Caller, path: str, method: str,
                               appointment: dict | None) -> Response:
        form = af.appointment_form(text_fields(await posted(request)))
        if form.valid:
            try:
                await gateway_of(request).call(method, path, token=caller.token, json=form.clean)
            except GatewayError as exc:
                if exc.status != 400:
                    raise
                fields = " ".join(exc.fields()) + " " + exc.detail
                if "start" in fields.lower():
                    form.error("jour", "Vérifiez la date et l’heure du rendez-vous")
                else:
                    form.error("nom", "Le rendez-vous n’a pas pu être enregistré : vérifiez les informations saisies")
        if not form.valid:
            return pages.render(request, "agenda_appointment.html", 400, appointment=appointment, values=form.values,
                                errors=form.errors, af=af)
        session_of(request)["notice"] = (f"Le rendez-vous du {af.french_moment(form.clean['startTime'])} "
                                         f"{'est modifié' if appointment else 'est ajouté à votre agenda'}.")
        return RedirectResponse("/agenda#rendez-vous", 303)

    @signed_in
    async def add_appointment(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return pages.render(request, "agenda_appointment.html", appointment=None,
                                values={"type": "APPOINTMENT_TYPE_PRACTITIONER"}, af=af)
        return await save_appointment(request, caller, f"{base(caller)}/appointments", "POST", None)

    @signed_in
    async def edit_appointment(request: Request, caller: Caller) -> Response:
        path = appointment_path(caller, request)
        appointment = await gateway_of(request).call("GET", path, token=caller.token)
        if request.method == "GET":
            return pages.render(request, "agenda_appointment.html", appointment=appointment,
                                values=af.appointment_values(appointment), af=af)
        return await save_appointment(request, caller, path, "PATCH", appointment)

    # ---- reminders ----
    def reminder_path(caller: Caller, request: Request) -> str:
        return f"{base(caller)}/reminders/{request.path_params['entry_id']}"

    async def save_reminder(request: Request, caller: Caller, path: str, method: str, reminder: dict | None) -> Response:
        form = af.reminder_form(text_fields(await posted(request)), datetime.now(timezone.utc))
        if form.valid:
            try:
                await gateway_of(request).call(method, path, token=caller.token, json=form.clean)
            except GatewayError as exc:
                if exc.status == 400 and exc.reason == "REMINDER_IN_PAST":
                    form.error("jour", "Le rappel doit être dans le futur : choisissez une date et une heure à venir")
                elif exc.reason == "REMINDERS_PER_DATE":
                    form.error("jour", "Vous avez déjà 10 rappels ce jour-là : choisissez un autre jour")
                elif exc.status == 400:
                    form.error("titre", "Le rappel n’a pas pu être enregistré : vérifiez les informations saisies")
                else:
                    raise
        if not form.valid:
            return pages.render(request, "agenda_reminder.html", 400, reminder=reminder, values=form.values,
                                errors=form.errors)
        session_of(request)["notice"] = (f"Le rappel « {form.clean['title']} » "
                                         f"{'est modifié' if reminder else 'est ajouté'} : il vous sera envoyé "
                                         f"le {af.french_moment(form.clean['remindAt'])}.")
        return RedirectResponse("/agenda#rappels", 303)

    @signed_in
    async def add_reminder(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return pages.render(request, "agenda_reminder.html", reminder=None)
        return await save_reminder(request, caller, f"{base(caller)}/reminders", "POST", None)

    @signed_in
    async def edit_reminder(request: Request, caller: Caller) -> Response:
        path = reminder_path(caller, request)
        reminder = await gateway_of(request).call("GET", path, token=caller.token)
        if request.method == "GET":
            return pages.render(request, "agenda_reminder.html", reminder=reminder, values=af.reminder_values(reminder))
        return await save_reminder(request, caller, path, "PATCH", reminder)

    # ---- deletion, after a confirmation page ----
    @signed_in
    async def delete(request: Request, caller: Caller) -> Response:
        kind = str(request.path_params["kind"])
        if kind not in ("rendez-vous", "rappels"):
            raise GatewayError(404)
        path = appointment_path(caller, request) if kind == "rendez-vous" else reminder_path(caller, request)
        entry = await gateway_of(request).call("GET", path, token=caller.token)
        if kind == "rendez-vous":
            what = f"le rendez-vous du {af.french_moment(entry.get('startTime'))} ({entry.get('title') or entry.get('name', '')})"
        else:
            what = f"le rappel « {entry.get('title', '')} » du {af.french_moment(entry.get('remindAt'))}"
        if request.method == "GET":
            return pages.render(request, "agenda_delete.html", what=what, action=request.url.path)
        await posted(request)
        await gateway_of(request).call("DELETE", path, token=caller.token)
        session_of(request)["notice"] = f"{what[0].upper()}{what[1:]} est supprimé."
        return RedirectResponse(f"/agenda#{kind}", 303)

    # ---- calendar feed ----
    @signed_in
    async def calendar_feed(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        details = form.get("details") == "oui"
        made = await gateway_of(request).call("POST", f"{base(caller)}/calendar-feed:regenerate", token=caller.token,
                                              json={"showDetails": details})
        url = made.get("feedUrl", "")
        if url.startswith("/"):       # agenda without a public origin: the portal serves the feed too (below)
            url = str(request.base_url).rstrip("/") + url
        session = session_of(request)
        session[FEED_KEY] = url
        session["notice"] = "Votre nouvelle adresse d’abonnement est prête : l’ancienne ne fonctionne plus."
        return RedirectResponse("/agenda#calendrier", 303)

    async def feed(request: Request) -> Response:
        """The feed itself for calendar applications (public: the secret token in the path is the only
        credential), passed on from the gateway, so that a subscription URL on the portal's origin works."""
        token = str(request.path_params["feed_token"])
        if not af.FEED_TOKEN.match(token):
            raise GatewayError(404)
        answer = await gateway_of(request).download(f"/v1/calendar-feeds/{token}", token="")
        return Response(answer.content, 200, headers={
            "content-type": answer.headers.get("content-type", "text/calendar; charset=utf-8"),
            "cache-control": "no-store"})

    entry = "{entry_id:uuid}"
    return [Route("/agenda", agenda),
            Route("/agenda/prevention/{item_id}", prevention_item, methods=["GET", "POST"]),
            Route("/agenda/rendez-vous/ajouter", add_appointment, methods=["GET", "POST"]),
            Route(f"/agenda/rendez-vous/{entry}/modifier", edit_appointment, methods=["GET", "POST"]),
            Route("/agenda/rappels/ajouter", add_reminder, methods=["GET", "POST"]),
            Route(f"/agenda/rappels/{entry}/modifier", edit_reminder, methods=["GET", "POST"]),
            Route(f"/agenda/{{kind}}/{entry}/supprimer", delete, methods=["GET", "POST"]),
            Route("/agenda/calendrier", calendar_feed, methods=["POST"]),
            Route("/v1/calendar-feeds/{feed_token}", feed)]
