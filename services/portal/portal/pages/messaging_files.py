"""What the messaging pages share: the rules of an attached file said before she chooses (the
formats of documents, DOMAIN §2.1, and the size of one file, §10.6), a posted form with its file read
within its limit, the file uploaded ahead of the message (the gateway's multipart upload), and the
dates of messages in French."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.datastructures import UploadFile
from starlette.requests import Request

from portal.auth import Caller
from portal.forms_http import posted, text_fields
from portal.gateway import GatewayError, gateway_of
from portal.pages.documents import UPLOAD_REFUSALS
from portal.rendering import french_date, french_size

PARIS = ZoneInfo("Europe/Paris")
TEXT_ALLOWANCE = 128 * 1024           # the text fields of a form: a message of 20,000 characters fits
MAX_BODY_CHARS = 20_000               # messaging's limits (DOMAIN §10.6)
MAX_SUBJECT_CHARS = 200
OTHER_REFUSAL = "Ce fichier n’est pas accepté : choisissez un autre fichier ({formats})"


@dataclass
class Posted:
    """A posted messaging form: its text fields, its file (if one was chosen) and the errors so far."""
    values: dict[str, str]
    file: UploadFile | None = None
    content: bytes = b""
    errors: dict[str, str] = field(default_factory=dict)


def french_datetime(value: str | None) -> str:
    """An RFC 3339 timestamp -> "2 décembre 2026 à 18 h 05", in French time."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(PARIS)
    except ValueError:
        return value
    return f"{french_date(when.date().isoformat())} à {when.hour} h {when.minute:02d}"


async def file_rules(request: Request, caller: Caller) -> dict:
    """The formats and the size of one attached file, as the platform announces them."""
    policy = await gateway_of(request).call("GET", "/v1/document-upload-policy", token=caller.token)
    extensions = sorted({e.upper() for t in policy.get("acceptedFileTypes", []) for e in t.get("extensions", [])})
    return {"max_size": int(policy.get("maxSizeBytes", 0)), "formats": extensions,
            "accept": ",".join("." + e.lower() for e in extensions)}


async def posted_with_file(request: Request, rules: dict, file_field: str = "fichier") -> Posted | None:
    """The form, or None when its body is larger than one file may be (said next to the file)."""
    limit = rules["max_size"]
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + TEXT_ALLOWANCE:
        return None
    form = await posted(request, max_files=1, max_part_size=TEXT_ALLOWANCE, max_body=limit + TEXT_ALLOWANCE)
    values = text_fields(form)
    values.pop("csrf", None)
    result = Posted(values)
    chosen = form.get(file_field)
    if isinstance(chosen, UploadFile) and chosen.filename:
        result.file = chosen
        result.content = await chosen.read(limit + 1)
        if len(result.content) > limit:
            result.errors[file_field] = too_large(rules)
        elif not result.content:
            result.errors[file_field] = UPLOAD_REFUSALS["EMPTY"]
    return result


def too_large(rules: dict) -> str:
    return UPLOAD_REFUSALS["TOO_LARGE"].format(limit=french_size(rules["max_size"]))


def check_text(errors: dict[str, str], values: dict[str, str], name: str, empty: str, limit: int = MAX_BODY_CHARS):
    text = values.get(name, "")
    if not text.strip():
        errors.setdefault(name, empty)
    elif len(text) > limit:
        errors.setdefault(name, f"Le texte compte au plus {limit:,} caractères".replace(",", " "))


async def upload(request: Request, caller: Caller, form: Posted, rules: dict) -> str:
    """The uploaded file's attachment id; a refusal of the file goes into form.errors ("" then)."""
    assert form.file is not None
    filename = form.file.filename or "piece-jointe"
    try:
        uploaded = await gateway_of(request).upload(
            f"/v1/patients/{caller.patient_id}/attachments", token=caller.token,
            metadata=json.dumps({"filename": filename, "contentType": form.file.content_type or "",
                                 "sizeBytes": len(form.content)}),
            filename=filename, content=form.content, content_type=form.file.content_type or "application/octet-stream")
    except GatewayError as exc:
        if exc.status not in (400, 413):
            raise
        form.errors["fichier"] = file_refusal(exc, rules)
        return ""
    return str(uploaded.get("attachmentId", ""))


def file_refusal(exc: GatewayError, rules: dict) -> str:
    formats = ", ".join(rules["formats"])
    if exc.status == 413:
        return too_large(rules)
    refusal = UPLOAD_REFUSALS.get(exc.reason)
    return (refusal or OTHER_REFUSAL).format(formats=formats, limit=french_size(rules["max_size"]))
