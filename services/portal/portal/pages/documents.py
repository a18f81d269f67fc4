"""The documents: the list (newest first, filtered by category and folder, 100 a page), an upload
with the accepted formats and size said before choosing, a download, masking and unmasking one
from professionals, and masking them all at once (after a confirmation)."""
from __future__ import annotations

import json
import secrets
from datetime import date
from urllib.parse import quote, urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import forms, labels
from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages.folders import folders_of
from portal.rendering import Pages, french_size
from portal.session import session_of

SORTS = {"recents": ("DOCUMENT_SORT_DATE_DESC", "Les plus récents d’abord"),
         "anciens": ("DOCUMENT_SORT_DATE_ASC", "Les plus anciens d’abord"),
         "titre": ("DOCUMENT_SORT_TITLE_ASC", "Par titre, de A à Z"),
         "titre-inverse": ("DOCUMENT_SORT_TITLE_DESC", "Par titre, de Z à A"),
         "auteur": ("DOCUMENT_SORT_AUTHOR_ASC", "Par personne qui l’a ajouté, de A à Z"),
         "auteur-inverse": ("DOCUMENT_SORT_AUTHOR_DESC", "Par personne qui l’a ajouté, de Z à A")}
MULTIPART_ALLOWANCE = 64 * 1024
UPLOAD_REFUSALS = {
    "UNSUPPORTED_TYPE": "Ce format de fichier n’est pas accepté : choisissez un fichier {formats}",
    "TOO_LARGE": "Le fichier dépasse {limit} : choisissez un fichier plus petit",
    "EMPTY": "Le fichier choisi est vide",
    "CORRUPT": "Le fichier choisi est abîmé ou ne peut pas être lu",
}


def routes(pages: Pages) -> list[Route]:
    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        category = request.query_params.get("categorie", "")
        category = category if category in labels.SELECTABLE_CATEGORIES else ""
        sort = request.query_params.get("ordre", "recents")
        sort = sort if sort in SORTS else "recents"
        params: dict = {"page_size": 100, "sort": SORTS[sort][0]}
        if category:
            params["categories"] = labels.PREFIX + category
        folders = await folders_of(request, caller)
        folder = request.query_params.get("dossier", "")
        folder = folder if folder in folders else ""
        if folder:
            params["folderId"] = folder
        token = request.query_params.get("page", "")
        if token and len(token) <= 512:
            params["pageToken"] = token
        found = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/documents",
                                                     token=caller.token, params=params)
        shown = {"categorie": category, "dossier": folder, "ordre": sort if sort != "recents" else ""}
        shown = {name: value for name, value in shown.items() if value}
        following = found.get("nextPageToken", "")
        return pages.render(request, "documents.html", documents=found.get("documents", []), chosen=category,
                            categories=labels.SELECTABLE_CATEGORIES, sorts=SORTS, sort=sort,
                            category=labels.category, author=labels.author, folders=folders, folder=folder,
                            next_page=urlencode({**shown, "page": following}) if following else "",
                            first_page=urlencode(shown) if token else None)

    async def policy_of(request: Request, caller: Caller) -> dict:
        policy = await gateway_of(request).call("GET", "/v1/document-upload-policy", token=caller.token)
        extensions = sorted({e.upper() for t in policy.get("acceptedFileTypes", []) for e in t.get("extensions", [])})
        return {"max_size": int(policy.get("maxSizeBytes", 0)), "formats": extensions,
                "accept": ",".join("." + e.lower() for e in extensions)}

    def upload_page(request: Request, policy: dict, status: int = 200, values: dict | None = None,
                    errors: dict | None = None) -> Response:
        return pages.render(request, "upload.html", status, policy=policy, categories=labels.SELECTABLE_CATEGORIES,
                            values=values or {}, errors=errors or {})

    @signed_in
    async def upload(request: Request, caller: Caller) -> Response:
        policy = await policy_of(request, caller)
        if request.method == "GET":
            return upload_page(request, policy)
        limit = policy["max_size"]
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + MULTIPART_ALLOWANCE:
            return upload_page(request, policy, 413, errors={
                "fichier": UPLOAD_REFUSALS["TOO_LARGE"].format(limit=french_size(limit))})
        form = await posted(request, max_files=1, max_part_size=MULTIPART_ALLOWANCE,
                            max_body=limit + MULTIPART_ALLOWANCE)
        values = text_fields(form)
        values.pop("csrf", None)
        errors: dict[str, str] = {}
        title = values.get("titre", "").strip()
        if len(title) > 255:
            errors["titre"] = "Le titre compte au plus 255 caractères"
        when, problem = forms.document_date(values.get("jour", ""), values.get("mois", ""), values.get("annee", ""),
                                            date.today())
        if problem:
            errors["jour"] = problem
        if values.get("categorie") not in labels.SELECTABLE_CATEGORIES:
            errors["categorie"] = "Choisissez la catégorie du document"
        chosen = form.get("fichier")
        content = b""
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            errors["fichier"] = "Choisissez le fichier à ajouter"
        else:
            content = await chosen.read(limit + 1)
            if len(content) > limit:
                errors["fichier"] = UPLOAD_REFUSALS["TOO_LARGE"].format(limit=french_size(limit))
            elif not content:
                errors["fichier"] = UPLOAD_REFUSALS["EMPTY"]
        if errors:
            return upload_page(request, policy, 400, values, errors)
        assert isinstance(chosen, UploadFile)
        metadata = {"title": title, "category": labels.PREFIX + values["categorie"], "documentDate": when,
                    "uploadId": secrets.token_hex(16)}
        try:
            await gateway_of(request).upload(
                f"/v1/patients/{caller.patient_id}/documents", token=caller.token, metadata=json.dumps(metadata),
                filename=chosen.filename or "document", content=content,
                content_type=chosen.content_type or "application/octet-stream")
        except GatewayError as exc:
            refusal = UPLOAD_REFUSALS.get(exc.reason)
            if exc.status not in (400, 413) or (refusal is None and exc.status != 413):
                raise
            message = (refusal or UPLOAD_REFUSALS["TOO_LARGE"]).format(
                formats=", ".join(policy["formats"]), limit=french_size(limit))
            return upload_page(request, policy, 400, values, {"fichier": message})
        session_of(request)["notice"] = f"Le document « {title or chosen.filename} » a été ajouté."
        if request.headers.get("x-portal-upload") == "1":      # portal.js sent it, and follows this itself
            return JSONResponse({"suite": "/documents"})
        return RedirectResponse("/documents", 303)

    @signed_in
    async def download(request: Request, caller: Caller) -> Response:
        document_id = str(request.path_params["document_id"])
        answer = await gateway_of(request).download(
            f"/v1/patients/{caller.patient_id}/documents/{document_id}:download", token=caller.token)
        passed = {name: answer.headers[name] for name in ("content-type", "content-disposition")
                  if name in answer.headers}
        passed.setdefault("content-disposition", f"attachment; filename*=UTF-8''{quote(document_id)}")
        return Response(answer.content, 200, headers=passed)

    @signed_in
    async def visibility(request: Request, caller: Caller) -> Response:
        form = await posted(request)
        document_id = str(request.path_params["document_id"])
        masked = form.get("masquer") == "oui"
        document = await gateway_of(request).call(
            "POST", f"/v1/patients/{caller.patient_id}/documents/{document_id}:setVisibility", token=caller.token,
            json={"masked": masked})
        title = document.get("title", "")
        session_of(request)["notice"] = (f"Le document « {title} » est masqué aux professionnels de santé." if masked
                                         else f"Le document « {title} » est de nouveau visible par les professionnels "
                                              "de santé.")
        back = f"/documents/{document_id}" if form.get("suite") == "fiche" else f"/documents#document-{document_id}"
        return RedirectResponse(back, 303)

    @signed_in
    async def mask_all(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return pages.render(request, "mask_all.html")
        await posted(request)
        answer = await gateway_of(request).call(
            "POST", f"/v1/patients/{caller.patient_id}/documents:maskAll", token=caller.token, json={"masked": True})
        failed = len(answer.get("failedDocumentIds", []))
        notice = "Tous vos documents sont masqués aux professionnels de santé."
        if failed:
            notice = (f"{failed} document{'s' if failed > 1 else ''} n’{'ont' if failed > 1 else 'a'} pas pu être "
                      "masqué" + ("s" if failed > 1 else "") + " : masquez-les un par un depuis la liste.")
        session_of(request)["notice"] = notice
        return RedirectResponse("/documents", 303)

    return [Route("/documents", listing), Route("/documents/masquer-tout", mask_all, methods=["GET", "POST"]), Route("/documents/ajouter", upload, methods=["GET", "POST"]),
            Route("/documents/{document_id:uuid}/telecharger", download),
            Route("/documents/{document_id:uuid}/visibilite", visibility, methods=["POST"])]
