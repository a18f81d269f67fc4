"""The patient's folders (DOMAIN §2.3): the list with their document counts, creating, renaming and
deleting one (after a confirmation; its documents stay, in no folder)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages
from portal.session import session_of

NAME_LIMIT = 50


async def folders_of(request: Request, caller: Caller) -> dict[str, dict]:
    """Her folders by id, in the API's order (by name), every page of them."""
    found: dict[str, dict] = {}
    token = ""
    for _ in range(20):
        params: dict = {"pageSize": 200}
        if token:
            params["pageToken"] = token
        answer = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/folders",
                                                token=caller.token, params=params)
        found.update({f["folderId"]: f for f in answer.get("folders", []) if f.get("folderId")})
        token = answer.get("nextPageToken", "")
        if not token:
            break
    return found


def folder_name(raw: str) -> tuple[str, str]:
    """(the trimmed name, error message or "")."""
    name = raw.strip()
    if not name:
        return name, "Saisissez le nom du dossier"
    if len(name) > NAME_LIMIT:
        return name, f"Le nom du dossier compte au plus {NAME_LIMIT} caractères"
    return name, ""


def refusal(exc: GatewayError) -> str:
    """The service's refusal of a name, in French; other refusals go to app.py's handlers."""
    if exc.status == 400:
        return f"Le nom du dossier doit compter de 1 à {NAME_LIMIT} caractères"
    if exc.status == 409:
        return "Vous avez déjà un dossier de ce nom : choisissez-en un autre"
    raise exc


def routes(pages: Pages) -> list[Route]:
    def listing_page(request: Request, folders: dict, status: int = 200, values: dict | None = None,
                     errors: dict | None = None) -> Response:
        return pages.render(request, "folders.html", status, folders=folders, values=values or {},
                            errors=errors or {})

    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            return listing_page(request, await folders_of(request, caller))
        values = text_fields(await posted(request))
        name, problem = folder_name(values.get("nom", ""))
        if not problem:
            try:
                await gateway_of(request).call("POST", f"/v1/patients/{caller.patient_id}/folders",
                                               token=caller.token, json={"name": name})
            except GatewayError as exc:
                problem = refusal(exc)
        if problem:
            return listing_page(request, await folders_of(request, caller), 400, {"nom": values.get("nom", "")},
                                {"nom": problem})
        session_of(request)["notice"] = f"Le dossier « {name} » a été créé."
        return RedirectResponse("/documents/dossiers", 303)

    async def folder_or_404(request: Request, caller: Caller) -> dict:
        folder = (await folders_of(request, caller)).get(str(request.path_params["folder_id"]))
        if folder is None:
            raise GatewayError(404, "NOT_FOUND")
        return folder

    @signed_in
    async def rename(request: Request, caller: Caller) -> Response:
        folder = await folder_or_404(request, caller)
        if request.method == "GET":
            return pages.render(request, "folder.html", folder=folder, values={"nom": folder.get("name", "")})
        values = text_fields(await posted(request))
        name, problem = folder_name(values.get("nom", ""))
        if not problem:
            try:
                await gateway_of(request).call(
                    "PATCH", f"/v1/patients/{caller.patient_id}/folders/{folder['folderId']}", token=caller.token,
                    json={"name": name})
            except GatewayError as exc:
                problem = refusal(exc)
        if problem:
            return pages.render(request, "folder.html", 400, folder=folder, values={"nom": values.get("nom", "")},
                                errors={"nom": problem})
        session_of(request)["notice"] = f"Le dossier « {folder.get('name', '')} » s’appelle maintenant « {name} »."
        return RedirectResponse("/documents/dossiers", 303)

    @signed_in
    async def delete(request: Request, caller: Caller) -> Response:
        folder = await folder_or_404(request, caller)
        if request.method == "GET":
            return pages.render(request, "folder_delete.html", folder=folder)
        await posted(request)
        await gateway_of(request).call("DELETE", f"/v1/patients/{caller.patient_id}/folders/{folder['folderId']}",
                                       token=caller.token)
        session_of(request)["notice"] = (f"Le dossier « {folder.get('name', '')} » a été supprimé. Ses documents "
                                         "sont toujours dans « Mes documents ».")
        return RedirectResponse("/documents/dossiers", 303)

    return [Route("/documents/dossiers", listing, methods=["GET", "POST"]),
            Route("/documents/dossiers/{folder_id:uuid}", rename, methods=["GET", "POST"]),
            Route("/documents/dossiers/{folder_id:uuid}/supprimer", delete, methods=["GET", "POST"])]
