"""One document's page (DOMAIN §2.3, §2.4): its details, changing its title, date and category
(only what the API's permissions let her change), filing it in a folder, and deleting it after a
confirmation when she may."""
from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import forms, labels
from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages.folders import folders_of
from portal.rendering import Pages
from portal.session import session_of

FORMATS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF",
           "text/plain": "Texte", "application/xml": "XML", "text/xml": "XML"}
REFUSED_FIELDS = {"title": "titre", "documentDate": "jour", "document_date": "jour", "category": "categorie",
                  "folderId": "dossier", "folder_id": "dossier"}
FIELD_MESSAGES = {"titre": "Le titre doit compter de 1 à 255 caractères",
                  "jour": "La date du document doit être aujourd’hui ou dans le passé, par exemple 27 3 2026",
                  "categorie": "Choisissez une des catégories proposées",
                  "dossier": "Choisissez un de vos dossiers"}


def file_format(document: dict) -> str:
    kind = (document.get("contentType") or "").split(";")[0].strip().lower()
    if kind in FORMATS:
        return FORMATS[kind]
    name = document.get("filename") or ""
    return name.rsplit(".", 1)[-1].upper() if "." in name else "Inconnu"


def form_values(document: dict) -> dict[str, str]:
    values = {"titre": document.get("title", ""), "categorie": document.get("category", "").removeprefix(labels.PREFIX),
              "dossier": document.get("folderId", "")}
    try:
        day = date.fromisoformat((document.get("documentDate") or "")[:10])
        values.update(jour=str(day.day), mois=str(day.month), annee=str(day.year))
    except ValueError:
        values.update(jour="", mois="", annee="")
    return values


def changes(document: dict, values: dict[str, str], today: date) -> tuple[dict, dict[str, str]]:
    """(the PATCH body: what she changed among what she may change, errors by field)."""
    allowed = document.get("permissions") or {}
    body: dict = {}
    errors: dict[str, str] = {}
    if allowed.get("canUpdateTitle"):
        title = values.get("titre", "").strip()
        if not title:
            errors["titre"] = "Saisissez le titre du document"
        elif len(title) > 255:
            errors["titre"] = "Le titre compte au plus 255 caractères"
        elif title != document.get("title", ""):
            body["title"] = title
    if allowed.get("canUpdateDate"):
        when, problem = forms.document_date(values.get("jour", ""), values.get("mois", ""), values.get("annee", ""),
                                            today)
        if problem or not when:
            errors["jour"] = problem or "Saisissez la date du document, par exemple 27 3 2026"
        elif when != (document.get("documentDate") or "")[:10]:
            body["documentDate"] = when
    if allowed.get("canUpdateCategory"):
        chosen = values.get("categorie", "")
        if chosen != document.get("category", "").removeprefix(labels.PREFIX):
            if chosen not in labels.SELECTABLE_CATEGORIES:
                errors["categorie"] = "Choisissez la catégorie du document"
            else:
                body["category"] = labels.PREFIX + chosen
    return body, errors


def refused_fields(exc: GatewayError) -> dict[str, str]:
    """The service's field violations as French messages next to our fields; {} when none is ours."""
    if exc.status != 400:
        return {}
    fields = {REFUSED_FIELDS[name] for name in exc.fields() if name in REFUSED_FIELDS}
    if not fields and exc.reason == "INVALID_DATE":
        fields = {"jour"}
    return {name: FIELD_MESSAGES[name] for name in sorted(fields)}


def routes(pages: Pages) -> list[Route]:
    async def document_of(request: Request, caller: Caller) -> dict:
        return await gateway_of(request).call(
            "GET", f"/v1/patients/{caller.patient_id}/documents/{request.path_params['document_id']}",
            token=caller.token)

    async def render(request: Request, caller: Caller, document: dict, status: int = 200,
                     values: dict | None = None, errors: dict | None = None) -> Response:
        folders = await folders_of(request, caller)
        return pages.render(request, "document.html", status, document=document, folders=folders,
                            values={**form_values(document), **(values or {})}, errors=errors or {},
                            categories=labels.SELECTABLE_CATEGORIES, category=labels.category,
                            author=labels.author, file_format=file_format(document),
                            permissions=document.get("permissions") or {})

    @signed_in
    async def details(request: Request, caller: Caller) -> Response:
        document = await document_of(request, caller)
        if request.method == "GET":
            return await render(request, caller, document)
        values = text_fields(await posted(request))
        values.pop("csrf", None)
        body, errors = changes(document, values, date.today())
        if not errors and body:
            try:
                document = await gateway_of(request).call(
                    "PATCH", f"/v1/patients/{caller.patient_id}/documents/{document['documentId']}",
                    token=caller.token, json=body)
            except GatewayError as exc:
                errors = refused_fields(exc)
                if not errors:
                    raise
        if errors:
            return await render(request, caller, document, 400, values, errors)
        session_of(request)["notice"] = ("Les informations du document ont été enregistrées." if body
                                         else "Vous n’avez rien changé.")
        return RedirectResponse(f"/documents/{document['documentId']}", 303)

    @signed_in
    async def move(request: Request, caller: Caller) -> Response:
        document = await document_of(request, caller)
        if not (document.get("permissions") or {}).get("canOrganise"):
            raise GatewayError(403, "PERMISSION_DENIED")
        values = text_fields(await posted(request))
        folders = await folders_of(request, caller)
        chosen = values.get("dossier", "")
        if chosen and chosen not in folders:
            return await render(request, caller, document, 400, {"dossier": ""},
                                {"dossier": FIELD_MESSAGES["dossier"]})
        await gateway_of(request).call(
            "PATCH", f"/v1/patients/{caller.patient_id}/documents/{document['documentId']}", token=caller.token,
            json={"folderId": chosen})
        session_of(request)["notice"] = (f"Le document est rangé dans le dossier « {folders[chosen].get('name', '')} »."
                                         if chosen else "Le document n’est plus rangé dans un dossier.")
        return RedirectResponse(f"/documents/{document['documentId']}", 303)

    @signed_in
    async def delete(request: Request, caller: Caller) -> Response:
        document = await document_of(request, caller)
        if not (document.get("permissions") or {}).get("canDelete"):
            raise GatewayError(403, "PERMISSION_DENIED")
        if request.method == "GET":
            return pages.render(request, "document_delete.html", document=document)
        await posted(request)
        await gateway_of(request).call(
            "DELETE", f"/v1/patients/{caller.patient_id}/documents/{document['documentId']}", token=caller.token)
        session_of(request)["notice"] = f"Le document « {document.get('title', '')} » a été supprimé."
        return RedirectResponse("/documents", 303)

    return [Route("/documents/{document_id:uuid}", details, methods=["GET", "POST"]),
            Route("/documents/{document_id:uuid}/dossier", move, methods=["POST"]),
            Route("/documents/{document_id:uuid}/supprimer", delete, methods=["GET", "POST"])]
