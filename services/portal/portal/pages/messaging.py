"""The secure messaging (DOMAIN §7, §10.6): her conversations (newest first, unread ones marked),
one conversation with its messages in order (opening it marks it read), a reply with an optional
file, the attachments downloaded or saved into her documents, and a conversation deleted from her
side after a confirmation. Professionals start conversations and close them; she answers while
they are open, and writes first only to a pharmacy (pages/messaging_pharmacy.py)."""
from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import labels
from portal.auth import Caller, signed_in
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages import messaging_files as files
from portal.rendering import Pages
from portal.session import session_of

PATIENT = "PARTICIPANT_TYPE_PATIENT"
CLOSED = "CONVERSATION_STATE_CLOSED"
REPLIES = ("REPLY_OPTION_REPLY", "REPLY_OPTION_REPLY_TO_ALL")
# The categories messaging files a received attachment under (its SaveAttachmentToDocuments).
SAVE_CATEGORIES = {code: labels.SELECTABLE_CATEGORIES[code] for code in
                   ("ORD_SOIN", "BIOLOGIE", "CPT_REND", "RADIO_SC", "DEPISTAG", "CERT_MED", "SYNTHESE")}
REPLY_REFUSALS = {
    "CONVERSATION_CLOSED": "Cette conversation est close : vous ne pouvez plus y répondre",
    "PATIENT_CANNOT_START": "Vous ne pouvez pas répondre dans cette conversation",
    "REPLY_OPTION": "Vous ne pouvez pas répondre dans cette conversation",
    "TOO_LARGE_TOTAL": "Les pièces jointes dépassent la taille permise pour un message",
}


def correspondents(conversation: dict) -> list[str]:
    return [p.get("displayName", "") for p in conversation.get("participants", []) if p.get("type") != PATIENT]


def reply_refusal(conversation: dict) -> str:
    """Why she cannot reply, in French ("" when she can)."""
    options = conversation.get("replyOptions", [])
    if any(option in REPLIES for option in options):
        return ""
    if conversation.get("state") == CLOSED or "REPLY_OPTION_REPLY_BLOCKED" in options:
        return "Le professionnel a clos cette conversation : vous ne pouvez plus y répondre."
    if "REPLY_OPTION_NO_REPLY" in options:
        return "Cet expéditeur n’accepte pas de réponse."
    return "Vous ne pouvez pas répondre dans cette conversation."


def author(message: dict) -> str:
    sender = message.get("sender") or {}
    if sender.get("type") == PATIENT:
        return "Vous"
    name = sender.get("displayName") or "Un professionnel de santé"
    return f"{name} ({sender['specialty']})" if sender.get("specialty") else name


def newest_first(conversations: list[dict]) -> list[dict]:
    return sorted(conversations, key=lambda c: c.get("lastMessageAt") or c.get("createdAt") or "", reverse=True)


def routes(pages: Pages) -> list[Route]:
    pages.env.filters.setdefault("french_datetime", files.french_datetime)

    def base(caller: Caller, conversation_id: str = "") -> str:
        path = f"/v1/patients/{caller.patient_id}/conversations"
        return f"{path}/{conversation_id}" if conversation_id else path

    async def drafts(request: Request, caller: Caller) -> dict[str, dict]:
        """Her reply drafts by conversation (the most recently changed one of each)."""
        found = await gateway_of(request).call("GET", f"/v1/patients/{caller.patient_id}/drafts", token=caller.token,
                                               params={"pageSize": 100})
        kept: dict[str, dict] = {}
        for draft in found.get("drafts", []):
            if draft.get("conversationId"):
                kept.setdefault(draft["conversationId"], draft)
        return kept

    @signed_in
    async def listing(request: Request, caller: Caller) -> Response:
        found = await gateway_of(request).call("GET", base(caller), token=caller.token, params={"pageSize": 100})
        return pages.render(request, "messaging.html", conversations=newest_first(found.get("conversations", [])),
                            correspondents=correspondents, drafts=await drafts(request, caller))

    async def conversation_page(request: Request, caller: Caller, conversation_id: str, status: int = 200,
                                values: dict | None = None, errors: dict | None = None) -> Response:
        gateway = gateway_of(request)
        conversation = await gateway.call("GET", base(caller, conversation_id), token=caller.token)
        found = await gateway.call("GET", base(caller, conversation_id) + "/messages", token=caller.token,
                                   params={"pageSize": 200})
        if int(conversation.get("unreadCount", 0)):
            await gateway.call("POST", base(caller, conversation_id) + ":markRead", token=caller.token, json={})
        rules = await files.file_rules(request, caller)
        draft = (await drafts(request, caller)).get(conversation_id)
        if values is None and draft is not None:
            values = {"message": draft.get("body", "")}
        return pages.render(request, "messaging_conversation.html", status, conversation=conversation,
                            messages=found.get("messages", []), refusal=reply_refusal(conversation), rules=rules,
                            correspondents=correspondents(conversation), author=author, patient=PATIENT, draft=draft,
                            values=values or {}, errors=errors or {})

    @signed_in
    async def conversation(request: Request, caller: Caller) -> Response:
        return await conversation_page(request, caller, str(request.path_params["conversation_id"]))

    @signed_in
    async def reply(request: Request, caller: Caller) -> Response:
        """Sends the reply, or keeps it as her draft ("Enregistrer le brouillon"), with the file chosen."""
        conversation_id = str(request.path_params["conversation_id"])
        rules = await files.file_rules(request, caller)
        form = await files.posted_with_file(request, rules)
        if form is None:
            return await conversation_page(request, caller, conversation_id, 413,
                                           errors={"fichier": files.too_large(rules)})
        keep = form.values.get("action") == "brouillon"
        files.check_text(form.errors, form.values, "message", "Écrivez votre message avant de l’enregistrer" if keep
                         else "Écrivez votre message avant de l’envoyer")
        if form.errors:
            return await conversation_page(request, caller, conversation_id, 400, form.values, form.errors)
        draft = (await drafts(request, caller)).get(conversation_id)
        attachments = [{"attachmentId": a["attachmentId"]} for a in (draft or {}).get("attachments", [])]
        if form.file is not None:
            attachment_id = await files.upload(request, caller, form, rules)
            if not attachment_id:
                return await conversation_page(request, caller, conversation_id, 400, form.values, form.errors)
            attachments.append({"attachmentId": attachment_id})
        gateway = gateway_of(request)
        content = {"body": form.values["message"], "attachments": attachments}
        try:
            if draft is not None:
                await gateway.call("PUT", f"/v1/patients/{caller.patient_id}/drafts/{draft['draftId']}",
                                   token=caller.token, json=content)
            elif keep:
                await gateway.call("POST", f"/v1/patients/{caller.patient_id}/drafts", token=caller.token,
                                   json={**content, "conversationId": conversation_id})
            if keep:
                session_of(request)["notice"] = "Votre brouillon est enregistré : vous pourrez l’envoyer plus tard."
                return RedirectResponse(f"/messagerie/{conversation_id}#reponse", 303)
            if draft is not None:
                await gateway.call("POST", f"/v1/patients/{caller.patient_id}/drafts/{draft['draftId']}:send",
                                   token=caller.token, json={})
            else:
                await gateway.call("POST", base(caller, conversation_id) + "/messages", token=caller.token,
                                   json={**content, "clientMessageId": secrets.token_hex(16)})
        except GatewayError as exc:
            if exc.status != 400:
                raise
            errors = {"message": REPLY_REFUSALS.get(exc.reason, "Votre message n’a pas pu être envoyé : vérifiez-le")}
            if any(name.startswith("attachments") for name in exc.fields()):
                errors = {"fichier": files.file_refusal(exc, rules)}
            return await conversation_page(request, caller, conversation_id, 400, form.values, errors)
        session_of(request)["notice"] = "Votre message a été envoyé."
        return RedirectResponse(f"/messagerie/{conversation_id}#reponse", 303)

    def attachment_path(caller: Caller, request: Request, action: str) -> str:
        return (f"/v1/patients/{caller.patient_id}/messages/{request.path_params['message_id']}"
                f"/attachments/{request.path_params['attachment_id']}:{action}")

    @signed_in
    async def download(request: Request, caller: Caller) -> Response:
        answer = await gateway_of(request).download(attachment_path(caller, request, "download"), token=caller.token)
        passed = {name: answer.headers[name] for name in ("content-type", "content-disposition")
                  if name in answer.headers}
        passed.setdefault("content-disposition",
                          f"attachment; filename*=UTF-8''{quote(str(request.path_params['attachment_id']))}")
        return Response(answer.content, 200, headers=passed)

    async def received_attachment(request: Request, caller: Caller) -> tuple[dict, dict]:
        """(the conversation, the attachment) named by the path, or 404."""
        conversation_id = str(request.path_params["conversation_id"])
        gateway = gateway_of(request)
        conversation = await gateway.call("GET", base(caller, conversation_id), token=caller.token)
        found = await gateway.call("GET", base(caller, conversation_id) + "/messages", token=caller.token,
                                   params={"pageSize": 200})
        message_id, attachment_id = str(request.path_params["message_id"]), str(request.path_params["attachment_id"])
        for message in found.get("messages", []):
            if message.get("messageId") == message_id:
                for attachment in message.get("attachments", []):
                    if attachment.get("attachmentId") == attachment_id:
                        return conversation, attachment
        raise GatewayError(404)

    @signed_in
    async def save(request: Request, caller: Caller) -> Response:
        conversation, attachment = await received_attachment(request, caller)
        back = f"/messagerie/{conversation['conversationId']}"
        values: dict[str, str] = {"titre": attachment.get("filename", "")}
        errors: dict[str, str] = {}
        if request.method == "POST":
            values = text_fields(await posted(request))
            values.pop("csrf", None)
            title = values.get("titre", "").strip()
            if len(title) > 255:
                errors["titre"] = "Le titre compte au plus 255 caractères"
            if values.get("categorie") not in SAVE_CATEGORIES:
                errors["categorie"] = "Choisissez la catégorie du document"
            if not errors:
                try:
                    await gateway_of(request).call("POST", attachment_path(caller, request, "saveToDocuments"),
                                                   token=caller.token,
                                                   json={"title": title, "category": values["categorie"]})
                except GatewayError as exc:
                    if exc.status != 400:
                        raise
                    errors["titre"] = ("Ce fichier ne peut pas être enregistré dans vos documents : "
                                       "son format ou sa taille ne le permet pas")
                else:
                    session_of(request)["notice"] = (f"« {title or attachment.get('filename', '')} » est enregistré "
                                                     f"dans vos documents ({SAVE_CATEGORIES[values['categorie']]}).")
                    return RedirectResponse(back, 303)
        return pages.render(request, "messaging_save.html", 400 if errors else 200, attachment=attachment,
                            conversation=conversation, back=back, categories=SAVE_CATEGORIES, values=values,
                            errors=errors)

    @signed_in
    async def delete(request: Request, caller: Caller) -> Response:
        conversation_id = str(request.path_params["conversation_id"])
        conversation = await gateway_of(request).call("GET", base(caller, conversation_id), token=caller.token)
        if request.method == "GET":
            return pages.render(request, "messaging_delete.html", conversation=conversation,
                                correspondents=correspondents(conversation))
        await posted(request)
        await gateway_of(request).call("DELETE", base(caller, conversation_id), token=caller.token)
        session_of(request)["notice"] = f"La conversation « {conversation.get('subject', '')} » a été supprimée."
        return RedirectResponse("/messagerie", 303)

    attachment = "/messagerie/{conversation_id:uuid}/pieces-jointes/{message_id:uuid}/{attachment_id:uuid}"
    return [Route("/messagerie", listing),
            Route("/messagerie/{conversation_id:uuid}", conversation),
            Route("/messagerie/{conversation_id:uuid}/repondre", reply, methods=["POST"]),
            Route("/messagerie/{conversation_id:uuid}/supprimer", delete, methods=["GET", "POST"]),
            Route(attachment + "/telecharger", download),
            Route(attachment + "/enregistrer", save, methods=["GET", "POST"])]
