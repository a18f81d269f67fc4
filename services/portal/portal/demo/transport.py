"""An httpx transport answering the public API's routes from the caller's demo space, with the
gateway's JSON shapes (camelCase of the protos) and problem JSON for refusals. The bearer token is
"demo:<space id>". A table maps each route to a generic handler over the space's collections; an
action the demo does not run answers 403 DEMO_UNSUPPORTED, an unknown route 404 (the audit proofs
too: the history must not claim a verification in demo)."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import HTTP

import httpx

from meskit.filecheck.content import ContentRefused, accept, policy
from portal.demo.pdf import sample_pdf
from portal.demo.spaces import DemoSpaces, TooLarge

DEMO_UNSUPPORTED = "DEMO_UNSUPPORTED"
UNSUPPORTED_TEXT = "Cette action n’est pas disponible en mode démo."
ME = "{me}"          # in a route: the space's own account id (or "me")
P = r"(?P<pid>[^/:]+)"
ID = r"(?P<id>[^/:]+)"

# (method, path regex, handler, collection or singleton, list key / options)
ROUTES = [
    ("GET", r"/v1/accounts/" + ID, "account", None, None),
    ("PATCH", r"/v1/accounts/" + ID + "/contact", "patch_account", None, None),
    ("POST", r"/v1/sessions:logout", "logout", None, None),
    ("GET", r"/v1/document-upload-policy", "upload_policy", None, None),
    ("GET", rf"/v1/patients/{P}/documents", "list", "documents", "documents"),
    ("POST", rf"/v1/patients/{P}/documents", "upload", "documents", None),
    ("GET", rf"/v1/patients/{P}/documents/{ID}:download", "download", "documents", None),
    ("POST", rf"/v1/patients/{P}/documents/{ID}:setVisibility", "set_visibility", "documents", None),
    ("GET", rf"/v1/patients/{P}/documents/{ID}", "get", "documents", None),
    ("PATCH", rf"/v1/patients/{P}/documents/{ID}", "update", "documents", None),
    ("DELETE", rf"/v1/patients/{P}/documents/{ID}", "delete", "documents", None),
    ("GET", rf"/v1/patients/{P}/folders", "list", "folders", "folders"),
    ("GET", rf"/v1/patients/{P}/activity", "list", "activity", "records"),
    ("GET", rf"/v1/patients/{P}/activity/{ID}", "get", "activity", None),
    ("GET", rf"/v1/patients/{P}/conversations", "list", "conversations", "conversations"),
    ("POST", rf"/v1/patients/{P}/conversations", "new_conversation", "conversations", None),
    ("GET", rf"/v1/patients/{P}/conversations/{ID}", "get", "conversations", None),
    ("POST", rf"/v1/patients/{P}/conversations/{ID}:markRead", "mark_read", "conversations", None),
    ("GET", rf"/v1/patients/{P}/conversations/{ID}/messages", "messages", "messages", None),
    ("POST", rf"/v1/patients/{P}/conversations/{ID}/messages", "reply", "messages", None),
    ("GET", rf"/v1/patients/{P}/messages/[^/]+/attachments/{ID}:download", "attachment", None, None),
    ("GET", rf"/v1/patients/{P}/contacts", "list", "contacts", "contacts"),
    ("GET", rf"/v1/patients/{P}/drafts", "list", "drafts", "drafts"),
    ("GET", rf"/v1/patients/{P}/prevention-items", "list", "prevention", "items"),
    ("GET", rf"/v1/patients/{P}/prevention-items/{ID}", "get", "prevention", None),
    ("GET", rf"/v1/patients/{P}/appointments", "list", "appointments", "appointments"),
    ("POST", rf"/v1/patients/{P}/appointments", "create", "appointments", None),
    ("GET", rf"/v1/patients/{P}/appointments/{ID}", "get", "appointments", None),
    ("PATCH", rf"/v1/patients/{P}/appointments/{ID}", "update", "appointments", None),
    ("DELETE", rf"/v1/patients/{P}/appointments/{ID}", "delete", "appointments", None),
    ("GET", rf"/v1/patients/{P}/reminders", "list", "reminders", "reminders"),
    ("POST", rf"/v1/patients/{P}/reminders", "create", "reminders", None),
    ("GET", rf"/v1/patients/{P}/reminders/{ID}", "get", "reminders", None),
    ("PATCH", rf"/v1/patients/{P}/reminders/{ID}", "update", "reminders", None),
    ("DELETE", rf"/v1/patients/{P}/reminders/{ID}", "delete", "reminders", None),
    ("GET", rf"/v1/patients/{P}/profile", "profile", None, None),
    ("GET", rf"/v1/patients/{P}/profile/measurements", "list", "measurements", "measurements"),
    ("POST", rf"/v1/patients/{P}/profile/measurements", "create", "measurements", "measurement"),
    ("DELETE", rf"/v1/patients/{P}/profile/measurements/{ID}", "delete", "measurements", None),
    ("POST", rf"/v1/patients/{P}/profile/entries", "create", "entries", "entry"),
    ("PUT", rf"/v1/patients/{P}/profile/entries/{ID}", "update", "entries", "entry"),
    ("DELETE", rf"/v1/patients/{P}/profile/entries/{ID}", "delete", "entries", None),
    ("GET", r"/v1/profiles/" + P + "/notifications", "list", "notifications", "notifications"),
    ("POST", r"/v1/profiles/" + P + "/notifications:markAllRead", "mark_all_read", "notifications", None),
    ("GET", r"/v1/notifications/unread-counts", "unread_counts", "notifications", None),
    ("POST", r"/v1/notifications/" + ID + ":mark", "update", "notifications", None),
    ("DELETE", r"/v1/notifications/" + ID, "delete", "notifications", None),
    ("GET", r"/v1/accounts/" + ID + "/notification-preferences", "singleton", "preferences", None),
    ("PUT", r"/v1/accounts/" + ID + "/notification-preferences", "put_singleton", "preferences", "preferences"),
    ("GET", rf"/v1/patients/{P}/access-settings", "singleton", "accessSettings", None),
    ("PATCH", rf"/v1/patients/{P}/access-settings/emergency", "put_singleton", "accessSettings", None),
    ("PUT", rf"/v1/patients/{P}/access-settings/mask-by-default", "setting", "accessSettings", "mask"),
    ("POST", rf"/v1/patients/{P}/blocked-professionals", "setting", "accessSettings", "block"),
    ("DELETE", rf"/v1/patients/{P}/blocked-professionals/{ID}", "setting", "accessSettings", "unblock"),
    ("POST", rf"/v1/patients/{P}/care-team", "setting", "accessSettings", "add_member"),
    ("DELETE", rf"/v1/patients/{P}/care-team/{ID}", "setting", "accessSettings", "remove_member"),
    ("POST", rf"/v1/patients/{P}/prevention-items/{ID}:markDone", "change", "prevention", "mark_done"),
    ("POST", r"/v1/delegations/" + ID + ":revoke", "change", "delegations", "revoke"),
    ("POST", r"/v1/delegations/" + ID + ":setEndDate", "change", "delegations", "end_date"),
    ("POST", rf"/v1/patients/{P}/connections/{ID}:setConsents", "change", "connections", "consents"),
    ("POST", rf"/v1/patients/{P}/connections/{ID}:disconnect", "change", "connections", "disconnect"),
    ("PUT", rf"/v1/patients/{P}/profile/blood-group", "profile_part", "bloodGroup", None),
    ("PUT", rf"/v1/patients/{P}/profile/wishes", "profile_part", "wishes", None),
    ("POST", rf"/v1/patients/{P}/profile/sections:declareNotConcerned", "not_concerned", None, None),
    ("GET", rf"/v1/patients/{P}/delegations", "list", "delegations", "delegations"),
    ("GET", r"/v1/professionals/" + ID, "get", "professionals", None),
    ("GET", r"/v1/professionals", "list", "professionals", "professionals"),
    ("GET", r"/v1/catalogue/apps", "list", "apps", "apps"),
    ("GET", r"/v1/catalogue/apps/" + ID, "get", "apps", None),
    ("GET", rf"/v1/patients/{P}/connections", "list", "connections", "connections"),
    ("GET", rf"/v1/patients/{P}/exports", "list", "exports", "exports"),
]
MATCHED_ROUTES = [(m, re.compile(p + "$"), h, c, o) for m, p, h, c, o in ROUTES]
# Ids of each collection's items.
ID_FIELDS = {"documents": "documentId", "folders": "folderId", "activity": "recordId", "conversations": "conversationId",
             "messages": "messageId", "contacts": "participantId", "drafts": "draftId", "prevention": "itemId",
             "appointments": "appointmentId", "reminders": "reminderId", "measurements": "measurementId",
             "entries": "entryId", "notifications": "notificationId", "delegations": "delegationId",
             "professionals": "professionalId", "apps": "appId", "connections": "appId", "exports": "exportId"}
# Newest first by this field, for the lists that have one.
SORTED_BY = {"documents": "documentDate", "activity": "occurredAt", "conversations": "lastMessageAt",
             "notifications": "createdAt", "measurements": "effectiveTime", "appointments": "startTime",
             "reminders": "remindAt"}
OLDEST_FIRST = {"appointments", "reminders"}
# Query parameter (normalised: lower case, no "_") -> (field, how)
FILTERS = {"categories": ("category", "in"), "statuses": ("status", "in"), "types": ("type", "in"),
           "actions": ("action", "in"), "groups": ("group", "in"), "actortypes": ("actor.type", "in"),
           "state": ("state", "in"), "code": ("code", "in"), "starttime": (None, "from"), "endtime": (None, "to"),
           "unreadonly": (None, "unread")}


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _problem(status: int, reason: str, detail: str, code: str = "") -> httpx.Response:
    return httpx.Response(status, json={"type": "about:blank", "title": reason, "status": status, "detail": detail,
                                        "code": code or {403: "PERMISSION_DENIED", 404: "NOT_FOUND"}.get(status, "INVALID_ARGUMENT"),
                                        "reason": reason, "violations": []})


def _field(item: dict, path: str):
    for part in path.split("."):
        item = item.get(part, {}) if isinstance(item, dict) else {}
    return item


class DemoTransport(httpx.AsyncBaseTransport):
    def __init__(self, spaces: DemoSpaces):
        self.spaces = spaces

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        space = self.spaces.get(token.removeprefix("demo:")) if token.startswith("demo:") else None
        path = request.url.path
        if space is None:
            if path == "/v1/sessions:logout":
                return httpx.Response(200, json={})
            return _problem(401, "UNAUTHENTICATED", "Demo space expired", "UNAUTHENTICATED")
        for method, pattern, handler, collection, option in MATCHED_ROUTES:
            match = pattern.match(path)
            if match and method == request.method:
                own = space.data["account"]["accountId"]
                if match.groupdict().get("pid") not in (None, own, "me"):
                    return _problem(404, "NOT_FOUND", "Not in the demo space")
                return getattr(self, "_" + handler)(space, request, match.groupdict(), collection, option)
        if path.startswith("/v1/audit/") or request.method == "GET":
            return _problem(404, "NOT_FOUND", "Not in the demo")
        return _problem(403, DEMO_UNSUPPORTED, UNSUPPORTED_TEXT)

    # generic handlers over a collection
    def _items(self, space, collection) -> list[dict]:
        return space.data["collections"].setdefault(collection, [])

    def _find(self, space, collection, item_id) -> dict | None:
        key = ID_FIELDS[collection]
        return next((i for i in self._items(space, collection) if i.get(key) == item_id), None)

    def _list(self, space, request, args, collection, key, items=None):
        items = list(self._items(space, collection) if items is None else items)
        query = {}
        for name, value in request.url.params.multi_items():
            query.setdefault(name.replace("_", "").lower(), []).extend(v for v in value.split(",") if v)
        for name, values in query.items():
            field, how = FILTERS.get(name, (None, ""))
            if how == "in":
                items = [i for i in items if _field(i, field) in values]
            elif how in ("from", "to") and collection in SORTED_BY:
                edge, field = values[0], SORTED_BY[collection]
                items = [i for i in items if (i.get(field, "") >= edge if how == "from" else i.get(field, "") < edge)]
            elif how == "unread" and values[0] == "true":
                items = [i for i in items if not i.get("read", True) or i.get("unreadCount")]
        if collection in SORTED_BY:
            oldest = collection in OLDEST_FIRST
            oldest = oldest if "newestfirst" not in query else query["newestfirst"][0] != "true"
            oldest = oldest or query.get("sort", [""])[0].endswith("_ASC") or query.get("oldestfirst", [""])[0] == "true"
            items.sort(key=lambda i: i.get(SORTED_BY[collection], ""), reverse=not oldest)
        size = int((query.get("pagesize") or ["100"])[0] or 100)
        start = int((query.get("pagetoken") or ["0"])[0] or 0)
        page = items[start:start + size]
        more = str(start + size) if start + size < len(items) else ""
        return httpx.Response(200, json={key: page, "nextPageToken": more})

    def _get(self, space, request, args, collection, option):
        found = self._find(space, collection, args["id"])
        return httpx.Response(200, json=found) if found else _problem(404, "NOT_FOUND", "No such item")

    def _create(self, space, request, args, collection, wrapped):
        body = json.loads(request.content or b"{}")
        body = body.get(wrapped, body) if wrapped else body
        stamp = now_text()
        item = {**body, ID_FIELDS[collection]: str(uuid.uuid4()), "patientId": space.data["account"]["accountId"],
                "authorType": "ENTRY_AUTHOR_TYPE_PATIENT" if collection in ("appointments", "reminders") else "PATIENT",
                "createdAt": stamp, "updatedAt": stamp}
        self._items(space, collection).append(item)
        return httpx.Response(200, json=item)

    def _update(self, space, request, args, collection, wrapped):
        found = self._find(space, collection, args["id"])
        if found is None:
            return _problem(404, "NOT_FOUND", "No such item")
        body = json.loads(request.content or b"{}")
        body = body.get(wrapped, body) if wrapped else body
        found.update({k: v for k, v in body.items() if k != ID_FIELDS[collection]}, updatedAt=now_text())
        return httpx.Response(200, json=found)

    def _delete(self, space, request, args, collection, option):
        found = self._find(space, collection, args["id"])
        if found is None:
            return _problem(404, "NOT_FOUND", "No such item")
        self._items(space, collection).remove(found)
        space.files.pop(args["id"], None)
        return httpx.Response(200, json={})

    def _singleton(self, space, request, args, name, option):
        return httpx.Response(200, json=space.data[name])

    def _put_singleton(self, space, request, args, name, wrapped):
        body = json.loads(request.content or b"{}")
        body = body.get(wrapped, body) if wrapped else body
        for key, value in body.items():
            current = space.data[name].get(key)
            space.data[name][key] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
        return httpx.Response(200, json=space.data[name])

    def _change(self, space, request, args, collection, how):
        """A state change of one item: CHANGES[how](item, body, now)."""
        found = self._find(space, collection, args["id"])
        if found is None:
            return _problem(404, "NOT_FOUND", "No such item")
        CHANGES[how](found, json.loads(request.content or b"{}"), now_text())
        return httpx.Response(200, json=found)

    def _setting(self, space, request, args, name, how):
        SETTINGS[how](space.data[name], json.loads(request.content or b"{}"), args.get("id"), now_text())
        return httpx.Response(200, json=space.data[name])

    def _profile_part(self, space, request, args, name, option):
        part = space.data["profile"][name] = {**json.loads(request.content or b"{}"), "updatedAt": now_text()}
        return httpx.Response(200, json=part)

    def _not_concerned(self, space, request, args, collection, option):
        body = json.loads(request.content or b"{}")
        sections = [s for s in space.data["profile"]["sections"] if s["section"] != body.get("section")]
        declared = {"section": body.get("section", ""), "notConcerned": bool(body.get("notConcerned")),
                    "declaredAt": now_text()}
        space.data["profile"]["sections"] = [*sections, declared]
        return httpx.Response(200, json=declared)

    # the routes a table entry alone cannot answer
    def _account(self, space, request, args, collection, option):
        account = space.data["account"]
        if args["id"] in ("me", account["accountId"]):
            return httpx.Response(200, json=account)
        other = next((p for p in space.data.get("people", []) if p["accountId"] == args["id"]), None)
        return httpx.Response(200, json=other) if other else _problem(404, "NOT_FOUND", "No such account")

    def _patch_account(self, space, request, args, collection, option):
        body = json.loads(request.content or b"{}")
        space.data["account"].update({k: body[k] for k in ("phone", "postalAddress") if k in body})
        if body.get("email") not in (None, space.data["account"]["email"]):
            return _problem(403, DEMO_UNSUPPORTED, UNSUPPORTED_TEXT)
        return httpx.Response(200, json=space.data["account"])

    def _logout(self, space, request, args, collection, option):
        self.spaces.drop(space.space_id)
        return httpx.Response(200, json={})

    def _upload_policy(self, space, request, args, collection, option):
        _, types = policy()
        return httpx.Response(200, json={"maxSizeBytes": str(self.spaces.max_file), "acceptedFileTypes": [
            {"contentType": t.content_type, "extensions": list(t.extensions), "storedAs": t.stored_as} for t in types]})

    def _upload(self, space, request, args, collection, option):
        parts = message_from_bytes(b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
                                   + request.content, policy=HTTP)
        fields = {p.get_param("name", header="content-disposition"): p for p in parts.iter_parts()}
        metadata = json.loads(fields["metadata"].get_payload(decode=True) or b"{}")
        chosen = fields.get("file")
        content = chosen.get_payload(decode=True) or b"" if chosen is not None else b""
        if len(content) > self.spaces.max_file:
            return _problem(413, "TOO_LARGE", "Fichier trop volumineux pour la démo")
        try:
            stored = accept(content)
        except ContentRefused as refused:
            return _problem(400, refused.reason, refused.message)
        document_id = str(uuid.uuid4())
        try:
            self.spaces.keep_file(space, document_id, stored.data)
        except TooLarge:
            return _problem(413, "TOO_LARGE", "La démo garde au plus quelques fichiers")
        account = space.data["account"]
        filename = chosen.get_filename() or "document"
        stamp = now_text()
        document = {"documentId": document_id, "patientId": account["accountId"],
                    "title": metadata.get("title") or filename, "documentDate": metadata.get("documentDate") or stamp[:10],
                    "category": metadata.get("category", "DOCUMENT_CATEGORY_AUTR_DOC"),
                    "author": {"type": "AUTHOR_TYPE_PATIENT", "id": account["accountId"],
                               "displayName": f"{account['givenName']} {account['familyName']}"},
                    "contentType": stored.content_type, "sizeBytes": str(len(stored.data)), "filename": filename,
                    "visibility": {"masked": False}, "state": "DOCUMENT_STATE_AVAILABLE", "createdAt": stamp,
                    "updatedAt": stamp, "permissions": {"canDownload": True, "canDelete": True, "canUpdateTitle": True,
                                                        "canUpdateDate": True, "canUpdateCategory": True,
                                                        "canUpdateVisibility": True, "canOrganise": True}}
        self._items(space, "documents").append(document)
        return httpx.Response(200, json=document)

    def _download(self, space, request, args, collection, option):
        document = self._find(space, "documents", args["id"])
        if document is None:
            return _problem(404, "NOT_FOUND", "No such document")
        content = space.files.get(args["id"]) or sample_pdf(document["title"], _field(document, "author.displayName") or "")
        filename = document.get("filename") or "document.pdf"
        return httpx.Response(200, content=content, headers={
            "content-type": document.get("contentType") or "application/pdf",
            "content-disposition": f"attachment; filename*=UTF-8''{httpx.URL(path=filename).raw_path.decode()}"})

    def _set_visibility(self, space, request, args, collection, option):
        document = self._find(space, "documents", args["id"])
        if document is None:
            return _problem(404, "NOT_FOUND", "No such document")
        document.setdefault("visibility", {})["masked"] = bool(json.loads(request.content or b"{}").get("masked"))
        return httpx.Response(200, json=document)

    def _mark_read(self, space, request, args, collection, option):
        conversation = self._find(space, "conversations", args["id"])
        if conversation is None:
            return _problem(404, "NOT_FOUND", "No such conversation")
        conversation["unreadCount"] = 0
        for message in self._items(space, "messages"):
            if message["conversationId"] == args["id"]:
                message["read"] = True
        return httpx.Response(200, json=conversation)

    def _messages(self, space, request, args, collection, key):
        if self._find(space, "conversations", args["id"]) is None:
            return _problem(404, "NOT_FOUND", "No such conversation")
        mine = [m for m in self._items(space, "messages") if m["conversationId"] == args["id"]]
        return httpx.Response(200, json={"messages": sorted(mine, key=lambda m: m["sentAt"]), "nextPageToken": ""})

    def _reply(self, space, request, args, collection, option):
        conversation = self._find(space, "conversations", args["id"])
        if conversation is None:
            return _problem(404, "NOT_FOUND", "No such conversation")
        body = json.loads(request.content or b"{}")
        if body.get("attachments"):
            return _problem(403, DEMO_UNSUPPORTED, UNSUPPORTED_TEXT)
        me = next(p for p in conversation["participants"] if p["type"] == "PARTICIPANT_TYPE_PATIENT")
        others = [p for p in conversation["participants"] if p is not me]
        stamp = now_text()
        message = {"messageId": str(uuid.uuid4()), "conversationId": args["id"], "sender": me, "recipients": others,
                   "body": str(body.get("body", "")), "attachments": [], "sentAt": stamp, "read": True,
                   "writtenByAccountId": space.data["account"]["accountId"]}
        self._items(space, "messages").append(message)
        conversation.update(messageCount=conversation.get("messageCount", 0) + 1, lastMessageAt=stamp,
                            lastMessagePreview=message["body"][:80])
        return httpx.Response(200, json=message)

    def _new_conversation(self, space, request, args, collection, option):
        body = json.loads(request.content or b"{}")
        recipients = [c for c in self._items(space, "contacts") if c["participantId"] in body.get("recipientIds", [])]
        if not recipients or body.get("attachments"):
            return _problem(403, DEMO_UNSUPPORTED, UNSUPPORTED_TEXT)
        account = space.data["account"]
        me = {"participantId": account["accountId"], "type": "PARTICIPANT_TYPE_PATIENT",
              "displayName": f"{account['givenName']} {account['familyName']}", "active": True}
        stamp = now_text()
        conversation = {"conversationId": str(uuid.uuid4()), "patientId": account["accountId"],
                        "subject": str(body.get("subject", "")), "participants": [me, *recipients],
                        "state": "CONVERSATION_STATE_OPEN", "replyOptions": ["REPLY_OPTION_REPLY"], "messageCount": 0,
                        "unreadCount": 0, "createdAt": stamp, "lastMessageAt": stamp, "startedBy": account["accountId"]}
        self._items(space, "conversations").append(conversation)
        request_reply = httpx.Request("POST", request.url, json={"body": body.get("body", "")})
        self._reply(space, request_reply, {"id": conversation["conversationId"]}, None, None)
        return httpx.Response(200, json=conversation)

    def _attachment(self, space, request, args, collection, option):
        for message in self._items(space, "messages"):
            for attachment in message.get("attachments", []):
                if attachment["attachmentId"] == args["id"]:
                    return httpx.Response(200, content=sample_pdf(attachment["filename"], message["sender"]["displayName"]),
                                          headers={"content-type": "application/pdf",
                                                   "content-disposition": f"attachment; filename=\"{attachment['filename']}\""})
        return _problem(404, "NOT_FOUND", "No such attachment")

    def _profile(self, space, request, args, collection, option):
        latest: dict[str, dict] = {}
        for measurement in sorted(self._items(space, "measurements"), key=lambda m: m["effectiveTime"]):
            latest[measurement["code"]] = measurement
        return httpx.Response(200, json={**space.data["profile"], "patientId": space.data["account"]["accountId"],
                                         "entries": self._items(space, "entries"),
                                         "latestMeasurements": list(latest.values())})

    def _mark_all_read(self, space, request, args, collection, option):
        unread = [n for n in self._items(space, "notifications") if not n.get("read")]
        for notification in unread:
            notification["read"] = True
        return httpx.Response(200, json={"updated": len(unread)})

    def _unread_counts(self, space, request, args, collection, option):
        account = space.data["account"]
        unread = sum(1 for n in self._items(space, "notifications") if not n.get("read"))
        return httpx.Response(200, json={"counts": [{"profileId": account["accountId"], "unread": unread,
                                                     "givenName": account["givenName"], "relation": "SELF"}]})


def _mark_done(item: dict, body: dict, now: str) -> None:
    status = "TO_PLAN" if body.get("clear") else ("DONE" if body.get("done") else "NOT_DONE")
    item.update(status="PREVENTION_STATUS_" + status, executionDate=body.get("executionDate", ""), markedAt=now)


CHANGES = {
    "mark_done": _mark_done,
    "revoke": lambda item, body, now: item.update(state="DELEGATION_STATE_REVOKED", endedAt=now),
    "end_date": lambda item, body, now: item.update(expiresAt=f"{body.get('endsOn', '')}T00:00:00Z"),
    "consents": lambda item, body, now: item.update(consentedPurposes=list(body.get("purposes", [])), updatedAt=now),
    "disconnect": lambda item, body, now: item.update(status="CONNECTION_STATUS_DISCONNECTED", consentedPurposes=[],
                                                      updatedAt=now),
}


def _care_team_add(settings: dict, body: dict, item_id, now: str) -> None:
    settings["careTeam"] = [m for m in settings["careTeam"] if m["professionalId"] != body.get("professionalId")]
    settings["careTeam"].append({"professionalId": body.get("professionalId", ""),
                                 "role": body.get("role", "CARE_TEAM_ROLE_UNSPECIFIED"), "administrator": False,
                                 "since": now, "source": "CARE_TEAM_SOURCE_ADDED_BY_PATIENT"})


SETTINGS = {
    "mask": lambda settings, body, item_id, now: settings.update(maskNewDocumentsByDefault=bool(body.get("mask"))),
    "block": lambda settings, body, item_id, now: settings.update(blockedProfessionalIds=sorted(
        {*settings["blockedProfessionalIds"], body.get("professionalId", "")} - {""})),
    "unblock": lambda settings, body, item_id, now: settings.update(blockedProfessionalIds=[
        p for p in settings["blockedProfessionalIds"] if p != item_id]),
    "add_member": _care_team_add,
    "remove_member": lambda settings, body, item_id, now: settings.update(careTeam=[
        m for m in settings["careTeam"] if m["professionalId"] != item_id]),
}
