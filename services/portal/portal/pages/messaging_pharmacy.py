"""What she writes first, to a pharmacy only (DOMAIN §10.6): a new message to one of her contacts
(the pharmacies of her last 12 months of reimbursements) or to a pharmacy found by a search, and a
prescription of her documents sent to a pharmacy, confirmed before it leaves (DOMAIN §7)."""
from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages import messaging_files as files
from portal.rendering import Pages
from portal.session import session_of

PRESCRIPTION_CLASS = "42"        # TRE_A03 "Prescription": what sendPrescription accepts
DEFAULT_MESSAGE = "Bonjour, je souhaite vous partager mon document. Pouvez-vous préparer cette ordonnance ?"
SEARCH_LIMIT = 100
PHARMACY_REFUSALS = {
    "PHARMACY_NOT_REACHABLE": "Cette pharmacie ne peut pas recevoir de message sécurisé : choisissez-en une autre",
    "PHARMACY_NOT_FOUND": "Cette pharmacie n’est plus dans l’annuaire : choisissez-en une autre",
    "PATIENT_CANNOT_START": "Vous pouvez écrire en premier seulement à une pharmacie : choisissez-en une",
    "RECIPIENTS": "Choisissez une seule pharmacie",
}


def pharmacy_choice(pharmacy: dict) -> dict:
    """A pharmacy (or a contact) as the radios show it."""
    place = " ".join(part for part in (pharmacy.get("postalCode", ""), pharmacy.get("city", "")) if part)
    detail = ", ".join(part for part in (pharmacy.get("address", ""), place) if part)
    return {"id": pharmacy.get("pharmacyId") or pharmacy.get("participantId", ""),
            "name": pharmacy.get("name") or pharmacy.get("displayName", ""), "detail": detail,
            "visited": bool(pharmacy.get("previouslyVisited", "participantId" in pharmacy)),
            "last_visit": pharmacy.get("lastVisitDate", "")}


def merged(*groups: list[dict]) -> list[dict]:
    """The pharmacies of several lists, each once, in order."""
    seen: set[str] = set()
    kept = []
    for group in groups:
        for choice in group:
            if choice["id"] and choice["id"] not in seen:
                seen.add(choice["id"])
                kept.append(choice)
    return kept


def search_error(query: str) -> str:
    return "La recherche compte au plus 100 caractères" if len(query) > SEARCH_LIMIT else ""


def routes(pages: Pages) -> list[Route]:
    async def found(request: Request, caller: Caller, query: str) -> list[dict]:
        if not query.strip() or search_error(query):
            return []
        answer = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/pharmacies",
                                                token=caller.token, params={"query": query.strip(), "pageSize": 20})
        return [pharmacy_choice(p) for p in answer.get("pharmacies", [])]

    async def visited(request: Request, caller: Caller) -> list[dict]:
        answer = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/pharmacies",
                                                token=caller.token, params={"visitedOnly": "true", "pageSize": 50})
        return [pharmacy_choice(p) for p in answer.get("pharmacies", [])]

    async def contacts(request: Request, caller: Caller) -> list[dict]:
        answer = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/contacts",
                                                token=caller.token, params={"pageSize": 50})
        return [pharmacy_choice(c) for c in answer.get("contacts", [])]

    # ---- a new message to a pharmacy ----
    async def new_page(request: Request, caller: Caller, query: str, status: int = 200, values: dict | None = None,
                       errors: dict | None = None) -> Response:
        errors = dict(errors or {})
        if search_error(query):
            errors.setdefault("recherche", search_error(query))
        choices = merged(await contacts(request, caller), await found(request, caller, query))
        return pages.render(request, "messaging_new.html", 400 if errors and status == 200 else status,
                            choices=choices, query=query, rules=await files.file_rules(request, caller),
                            values=values or {}, errors=errors)

    @signed_in
    async def new_message(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return await new_page(request, caller, request.query_params.get("recherche", ""))
        rules = await files.file_rules(request, caller)
        form = await files.posted_with_file(request, rules)
        if form is None:
            return await new_page(request, caller, "", 413, errors={"fichier": files.too_large(rules)})
        values = form.values
        if not values.get("pharmacie"):
            form.errors["pharmacie"] = "Choisissez la pharmacie à qui écrire"
        files.check_text(form.errors, values, "objet", "Écrivez l’objet de votre message", files.MAX_SUBJECT_CHARS)
        files.check_text(form.errors, values, "message", "Écrivez votre message avant de l’envoyer")
        query = values.get("recherche", "")
        if form.errors:
            return await new_page(request, caller, query, 400, values, form.errors)
        attachments = []
        if form.file is not None:
            attachment_id = await files.upload(request, caller, form, rules)
            if not attachment_id:
                return await new_page(request, caller, query, 400, values, form.errors)
            attachments.append({"attachmentId": attachment_id})
        try:
            started = await gateway_of(request).call(
                "POST", f"/v1/patients/{caller.patient_id}/conversations", token=caller.token,
                json={"recipientIds": [values["pharmacie"]], "subject": values["objet"].strip(),
                      "body": values["message"], "attachments": attachments, "clientMessageId": secrets.token_hex(16)})
        except GatewayError as exc:
            if exc.status not in (400, 404):
                raise
            return await new_page(request, caller, query, 400, values, {"pharmacie": PHARMACY_REFUSALS.get(
                exc.reason, "Votre message n’a pas pu être envoyé à cette pharmacie : choisissez-en une autre")})
        session_of(request)["notice"] = "Votre message a été envoyé."
        return RedirectResponse(f"/messagerie/{started['conversationId']}", 303)

    # ---- a prescription to a pharmacy ----
    async def prescriptions(request: Request, caller: Caller) -> list[dict]:
        answer = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/documents",
                                                token=caller.token,
                                                params={"page_size": 100, "sort": "DOCUMENT_SORT_DATE_DESC"})
        return [d for d in answer.get("documents", []) if d.get("classCode") == PRESCRIPTION_CLASS]

    async def prescription_page(request: Request, caller: Caller, query: str, status: int = 200,
                                values: dict | None = None, errors: dict | None = None,
                                confirm: tuple[dict, dict] | None = None) -> Response:
        errors = dict(errors or {})
        if search_error(query):
            errors.setdefault("recherche", search_error(query))
        documents = await prescriptions(request, caller)
        choices = merged(await visited(request, caller), await found(request, caller, query))
        template = "messaging_prescription_confirm.html" if confirm else "messaging_prescription.html"
        return pages.render(request, template, 400 if errors and status == 200 else status, documents=documents,
                            choices=choices, query=query, default_message=DEFAULT_MESSAGE, confirm=confirm,
                            values=values or {}, errors=errors)

    @signed_in
    async def prescription(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return await prescription_page(request, caller, request.query_params.get("recherche", ""))
        values = text_fields(await posted(request, max_part_size=files.TEXT_ALLOWANCE, max_body=files.TEXT_ALLOWANCE))
        values.pop("csrf", None)
        query, step = values.get("recherche", ""), values.get("etape", "")
        if step == "modifier":
            return await prescription_page(request, caller, query, values=values)
        documents = {d["documentId"]: d for d in await prescriptions(request, caller)}
        choices = {c["id"]: c for c in merged(await visited(request, caller), await found(request, caller, query))}
        errors: dict[str, str] = {}
        if values.get("ordonnance") not in documents:
            errors["ordonnance"] = "Choisissez l’ordonnance à envoyer"
        if values.get("pharmacie") not in choices:
            errors["pharmacie"] = "Choisissez la pharmacie"
        if len(values.get("message", "")) > files.MAX_BODY_CHARS:
            errors["message"] = "Le message compte au plus 20 000 caractères"
        if errors:
            return await prescription_page(request, caller, query, 400, values, errors)
        document, pharmacy = documents[values["ordonnance"]], choices[values["pharmacie"]]
        if step != "envoyer":
            return await prescription_page(request, caller, query, values=values, confirm=(document, pharmacy))
        try:
            sent = await gateway_of(request).call(
                "POST", f"/v1/patients/{caller.patient_id}/pharmacies/{pharmacy['id']}:sendPrescription",
                token=caller.token, json={"documentId": document["documentId"], "message": values.get("message", ""),
                                          "clientMessageId": secrets.token_hex(16)})
        except GatewayError as exc:
            if exc.status not in (400, 404):
                raise
            if exc.reason == "NOT_A_PRESCRIPTION":
                errors["ordonnance"] = "Ce document n’est pas une ordonnance : choisissez une ordonnance"
            elif exc.reason in PHARMACY_REFUSALS:
                errors["pharmacie"] = PHARMACY_REFUSALS[exc.reason]
            else:
                errors["ordonnance"] = "Cette ordonnance n’a pas pu être envoyée : son format ou sa taille ne le permet pas"
            return await prescription_page(request, caller, query, 400, values, errors)
        notice = f"Votre ordonnance « {document.get('title', '')} » a été envoyée à {pharmacy['name']}."
        if sent.get("senderNotice"):
            notice += " " + sent["senderNotice"]
        session_of(request)["notice"] = notice
        return RedirectResponse(f"/messagerie/{sent['conversationId']}", 303)

    return [Route("/messagerie/nouveau", new_message, methods=["GET", "POST"]),
            Route("/messagerie/ordonnance", prescription, methods=["GET", "POST"])]
