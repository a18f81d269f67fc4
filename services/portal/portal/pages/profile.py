"""The medical profile: the list sections with their entries (add, change, delete; "non
concerné(e)"), the blood group, the wishes (advance directives, organ donation), the measurements
(add within the plausible ranges, list, delete) with a chart of one measurement over time drawn
as inline SVG with its table of values, and the synthesis saved in her documents."""
from __future__ import annotations

from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages import agenda_forms as af
from portal.pages import profile_forms as pf
from portal.rendering import Pages
from portal.session import session_of

HOME = "/profil-medical"


def routes(pages: Pages) -> list[Route]:
    def base(caller: Caller) -> str:
        return f"/v1/patients/{caller.patient_id}/profile"

    def chosen_code(request: Request) -> str:
        code = request.query_params.get("mesure", "WEIGHT")
        return code if code in pf.MEASURES else "WEIGHT"

    @signed_in
    async def profile(request: Request, caller: Caller) -> Response:
        gateway = gateway_of(request)
        found = await gateway.call("GET", base(caller), token=caller.token)
        code = chosen_code(request)
        history = await gateway.call("GET", f"{base(caller)}/measurements", token=caller.token,
                                     params={"code": code, "pageSize": 100})
        measurements = history.get("measurements", [])
        entries: dict[str, list] = {}
        for entry in found.get("entries", []):
            entries.setdefault(entry.get("section", ""), []).append(entry)
        not_concerned = {s.get("section") for s in found.get("sections", []) if s.get("notConcerned")}
        return pages.render(request, "profile.html", entries=entries, not_concerned=not_concerned, pf=pf, af=af,
                            blood=(found.get("bloodGroup") or {}).get("value", ""),
                            wishes=found.get("wishes") or {}, code=code, measurements=measurements,
                            chart=pf.chart(measurements))

    def section_of(request: Request) -> tuple[str, str, str]:
        slug = str(request.path_params["section"])
        if slug not in pf.SECTIONS:
            raise GatewayError(404)
        return (slug, *pf.SECTIONS[slug])

    @signed_in
    async def add_entry(request: Request, caller: Caller) -> Response:
        slug, section, title = section_of(request)
        if request.method == "GET":
            return pages.render(request, "profile_entry.html", slug=slug, section=section, title=title, entry=None,
                                pf=pf)
        form = pf.entry_form(section, text_fields(await posted(request)))
        if form.valid:
            try:
                await gateway_of(request).call("POST", f"{base(caller)}/entries", token=caller.token,
                                               json={"entry": form.clean})
            except GatewayError as exc:
                if exc.status != 400:
                    raise
                form.error("nom", "Cette information n’a pas pu être enregistrée : vérifiez ce que vous avez saisi")
        if not form.valid:
            return pages.render(request, "profile_entry.html", 400, slug=slug, section=section, title=title,
                                entry=None, pf=pf, values=form.values, errors=form.errors)
        session_of(request)["notice"] = f"« {form.clean['name']} » est ajouté à la rubrique {title}."
        return RedirectResponse(f"{HOME}#{slug}", 303)

    async def entry_of(request: Request, caller: Caller) -> dict:
        entry_id = str(request.path_params["entry_id"])
        found = await gateway_of(request).call("GET", base(caller), token=caller.token)
        for entry in found.get("entries", []):
            if entry.get("entryId") == entry_id:
                return entry
        raise GatewayError(404)

    @signed_in
    async def edit_entry(request: Request, caller: Caller) -> Response:
        entry = await entry_of(request, caller)
        slug = next((s for s, (code, _) in pf.SECTIONS.items() if code == entry.get("section")), "")
        if not slug:
            raise GatewayError(404)
        section, title = pf.SECTIONS[slug]
        if request.method == "GET":
            values = {"nom": entry.get("name", ""), "commentaire": entry.get("comment", ""),
                      "parent": entry.get("relative", "")}
            return pages.render(request, "profile_entry.html", slug=slug, section=section, title=title, entry=entry,
                                pf=pf, values=values)
        form = pf.entry_form(section, text_fields(await posted(request)))
        if form.valid:
            kept = {k: v for k, v in entry.items() if k in ("start", "end", "dosage", "duration", "durationUnit",
                                                           "disabilityTypes", "disabilityRate", "technicalAid",
                                                           "humanAid")}
            try:
                await gateway_of(request).call("PUT", f"{base(caller)}/entries/{entry['entryId']}", token=caller.token,
                                               json={"entry": {**kept, **form.clean}})
            except GatewayError as exc:
                if exc.status != 400:
                    raise
                form.error("nom", "Cette information n’a pas pu être enregistrée : vérifiez ce que vous avez saisi")
        if not form.valid:
            return pages.render(request, "profile_entry.html", 400, slug=slug, section=section, title=title,
                                entry=entry, pf=pf, values=form.values, errors=form.errors)
        session_of(request)["notice"] = f"« {form.clean['name']} » est modifié."
        return RedirectResponse(f"{HOME}#{slug}", 303)

    @signed_in
    async def delete_entry(request: Request, caller: Caller) -> Response:
        entry = await entry_of(request, caller)
        what = f"« {entry.get('name', '')} »"
        if request.method == "GET":
            return pages.render(request, "agenda_delete.html", what=what, action=request.url.path, back=HOME)
        await posted(request)
        await gateway_of(request).call("DELETE", f"{base(caller)}/entries/{entry['entryId']}", token=caller.token)
        session_of(request)["notice"] = f"{what} est supprimé de votre profil médical."
        return RedirectResponse(HOME, 303)

    @signed_in
    async def not_concerned(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        slug = str(form.get("section", ""))
        if slug not in pf.SECTIONS:
            raise GatewayError(404)
        section, title = pf.SECTIONS[slug]
        declared = form.get("non_concerne") == "oui"
        try:
            await gateway_of(request).call("POST", f"{base(caller)}/sections:declareNotConcerned", token=caller.token,
                                           json={"section": section, "notConcerned": declared})
        except GatewayError as exc:
            if exc.reason != "SECTION_NOT_EMPTY":
                raise
            session_of(request)["notice"] = (f"La rubrique {title} contient des informations : supprimez-les d’abord "
                                             "pour dire que vous n’êtes pas concerné(e).")
            return RedirectResponse(f"{HOME}#{slug}", 303)
        session_of(request)["notice"] = (f"Vous avez indiqué ne pas être concerné(e) par la rubrique {title}." if declared
                                         else f"La rubrique {title} peut de nouveau être remplie.")
        return RedirectResponse(f"{HOME}#{slug}", 303)

    @signed_in
    async def blood_group(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        value = str(form.get("groupe", ""))
        if value and value not in pf.BLOOD_GROUPS:
            raise GatewayError(404)
        await gateway_of(request).call("PUT", f"{base(caller)}/blood-group", token=caller.token, json={"value": value})
        session_of(request)["notice"] = (f"Votre groupe sanguin est enregistré : {value}." if value
                                         else "Votre groupe sanguin est effacé.")
        return RedirectResponse(f"{HOME}#groupe-sanguin", 303)

    @signed_in
    async def wishes(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            found = await gateway_of(request).call("GET", base(caller), token=caller.token)
            current = found.get("wishes") or {}
            values = {"directives": current.get("advanceDirectives", ""),
                      "don": "oui" if current.get("informedAboutOrganDonation") else ""}
            return pages.render(request, "profile_wishes.html", values=values)
        raw = text_fields(await posted(request))
        values = {"directives": raw.get("directives", "").strip(), "don": "oui" if raw.get("don") == "oui" else ""}
        errors = {}
        if len(values["directives"]) > 10000:
            errors["directives"] = "Vos directives anticipées comptent au plus 10 000 caractères"
        if not errors:
            try:
                await gateway_of(request).call("PUT", f"{base(caller)}/wishes", token=caller.token, json={
                    "advanceDirectives": values["directives"], "informedAboutOrganDonation": bool(values["don"])})
            except GatewayError as exc:
                if exc.reason != "MINOR_ADVANCE_DIRECTIVES":
                    raise
                errors["directives"] = "Les directives anticipées ne concernent que les personnes majeures"
        if errors:
            return pages.render(request, "profile_wishes.html", 400, values=values, errors=errors)
        session_of(request)["notice"] = "Vos volontés sont enregistrées."
        return RedirectResponse(f"{HOME}#volontes", 303)

    @signed_in
    async def add_measurement(request: Request, caller: Caller) -> Response:
        code = chosen_code(request)
        if request.method == "GET":
            return pages.render(request, "profile_measurement.html", code=code, kind=pf.MEASURES[code], pf=pf)
        form = pf.measurement_form(code, text_fields(await posted(request)), datetime.now(timezone.utc))
        if form.valid:
            try:
                await gateway_of(request).call("POST", f"{base(caller)}/measurements", token=caller.token,
                                               json={"measurement": form.clean})
            except GatewayError as exc:
                if exc.status != 400:
                    raise
                form.error("systolique" if code == "BLOOD_PRESSURE" else "valeur",
                           "Cette mesure n’a pas pu être enregistrée : vérifiez la valeur saisie")
        if not form.valid:
            return pages.render(request, "profile_measurement.html", 400, code=code, kind=pf.MEASURES[code], pf=pf,
                                values=form.values, errors=form.errors)
        session_of(request)["notice"] = f"{pf.MEASURES[code].label} : la mesure est ajoutée."
        return RedirectResponse(f"{HOME}?mesure={code}#mesures", 303)

    @signed_in
    async def delete_measurement(request: Request, caller: Caller) -> Response:
        code = chosen_code(request)
        measurement_id = str(request.path_params["entry_id"])
        history = await gateway_of(request).call("GET", f"{base(caller)}/measurements", token=caller.token,
                                                 params={"code": code, "pageSize": 100})
        measurement = next((m for m in history.get("measurements", []) if m.get("measurementId") == measurement_id), None)
        if measurement is None:
            raise GatewayError(404)
        what = (f"la mesure « {pf.MEASURES[code].label} » de {pf.shown_value(measurement)} du "
                f"{af.french_moment(measurement.get('effectiveTime'))}")
        if request.method == "GET":
            return pages.render(request, "agenda_delete.html", what=what, action=f"{request.url.path}?mesure={code}",
                                back=f"{HOME}?mesure={code}#mesures")
        await posted(request)
        await gateway_of(request).call("DELETE", f"{base(caller)}/measurements/{measurement_id}", token=caller.token)
        session_of(request)["notice"] = f"{what[0].upper()}{what[1:]} est supprimée."
        return RedirectResponse(f"{HOME}?mesure={code}#mesures", 303)

    @signed_in
    async def synthesis(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        made = await gateway_of(request).call("POST", f"{base(caller)}/synthesis", token=caller.token,
                                              json={"visible": form.get("visible") == "oui"})
        session_of(request)["notice"] = (f"La synthèse « {made.get('title', 'Profil médical')} » est enregistrée dans "
                                         "vos documents.")
        return RedirectResponse("/documents", 303)

    entry = "{entry_id:uuid}"
    return [Route(HOME, profile),
            Route(HOME + "/mesures/ajouter", add_measurement, methods=["GET", "POST"]),
            Route(HOME + "/{section}/ajouter", add_entry, methods=["GET", "POST"]),
            Route(f"{HOME}/entrees/{entry}/modifier", edit_entry, methods=["GET", "POST"]),
            Route(f"{HOME}/entrees/{entry}/supprimer", delete_entry, methods=["GET", "POST"]),
            Route(HOME + "/non-concerne", not_concerned, methods=["POST"]),
            Route(HOME + "/groupe-sanguin", blood_group, methods=["POST"]),
            Route(HOME + "/volontes", wishes, methods=["GET", "POST"]),
            Route(f"{HOME}/mesures/{entry}/supprimer", delete_measurement, methods=["GET", "POST"]),
            Route(HOME + "/synthese", synthesis, methods=["POST"])]
