"""A message's attachments: checked like documents' uploads (meskit.filecheck), then stored.

At most 5 per message, each a format of DOMAIN §2.1 of at most 5,000,000 bytes (as stored), at most
10,000,000 bytes for the message (DOMAIN §10.6). Every file is checked before any is stored: a
refusal stores nothing. Objects go under random keys; `discard` removes them when the transaction
that records them fails.
"""
from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from meskit.errors import FieldViolation, InvalidArgument, Unavailable, Unimplemented
from meskit.filecheck import content

from messaging.domain.models import (
    DOCUMENT, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MAX_MESSAGE_ATTACHMENT_BYTES, UPLOAD, Attachment)
from messaging.domain.ports import Dependencies

log = logging.getLogger("messaging.attachments")
FILENAME_LIMIT = 255
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
TOO_MANY, TOO_LARGE_TOTAL = "TOO_MANY_ATTACHMENTS", "ATTACHMENTS_TOO_LARGE"


@dataclass(frozen=True)
class NewFile:
    filename: str
    content_type: str
    content: bytes
    source_document_id: str = ""     # a document of the patient's space (source DOCUMENT)


@dataclass(frozen=True)
class NewAttachment:
    """One of: a file sent inline, an attachment kept (drafts), or a source not offered yet."""
    file: NewFile | None = None
    kept_id: str = ""
    unavailable: str = ""          # "document_id" or "profile_synthesis"


@dataclass(frozen=True)
class Checked:
    filename: str
    stored: content.StoredContent
    sha256: str
    source_document_id: str = ""


def _refused(index: int, reason: str, message: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason, violations=[FieldViolation(f"attachments[{index}]", message)])


def _filename(index: int, name: str, extension: str) -> str:
    cleaned = UNSAFE_NAME.sub("_", name).strip(" .")
    if not cleaned:
        raise _refused(index, "FILENAME_REQUIRED", "Nom de fichier obligatoire")
    if len(cleaned) > FILENAME_LIMIT:
        raise _refused(index, "FILENAME_TOO_LONG", f"Nom de fichier : {FILENAME_LIMIT} caractères au plus")
    stem, dot, ext = cleaned.rpartition(".")
    if dot and ext.lower() in {"jpg", "jpeg", "png", "pdf", "txt", "rtf", "tif", "tiff"} and stem:
        cleaned = stem
    return f"{cleaned[:FILENAME_LIMIT - len(extension) - 1]}.{extension}"


def check(new: list[NewAttachment], kept: list[Attachment]) -> list[Checked]:
    """Every new file checked by its bytes; the message's count and total within the limits.
    `kept`: the attachments already stored that the message will carry too (the `kept_id`s of `new`)."""
    if len([n for n in new if not n.kept_id]) + len(kept) > MAX_ATTACHMENTS:
        raise InvalidArgument(f"{MAX_ATTACHMENTS} pièces jointes au plus par message", reason=TOO_MANY)
    checked: list[Checked] = []
    for index, item in enumerate(new):
        if item.unavailable:
            raise Unimplemented("Joindre un document de votre espace ou la synthèse du profil n'est pas encore "
                                "possible : joignez le fichier", reason="ATTACHMENT_SOURCE_UNAVAILABLE")
        if item.file is None:
            continue
        if len(item.file.content) > MAX_ATTACHMENT_BYTES:
            raise _refused(index, content.TOO_LARGE, content.too_large(len(item.file.content)).message)
        try:
            stored = content.accept(item.file.content)
        except content.ContentRefused as exc:
            raise _refused(index, exc.reason, exc.message) from None
        checked.append(Checked(_filename(index, item.file.filename, stored.extension), stored,
                               hashlib.sha256(stored.data).hexdigest(), item.file.source_document_id))
    total = sum(len(c.stored.data) for c in checked) + sum(a.size_bytes for a in kept)
    if total > MAX_MESSAGE_ATTACHMENT_BYTES:
        shown = f"{total:,}".replace(",", " ")
        raise InvalidArgument(f"Les pièces jointes d'un message font 10 Mo au plus ({shown} octets)",
                              reason=TOO_LARGE_TOTAL)
    return checked


def check_one(data: bytes, filename: str) -> Checked:
    """One uploaded file (UploadAttachment), checked as an attachment of its own."""
    return check([NewAttachment(file=NewFile(filename, "", data))], [])[0]


def resolve_uploads(repo, kept_ids: list[str], patient_id: str, uploaded_by: str, *,
                    for_update: bool = False) -> list[Attachment]:
    """The caller's uploads named by `kept_ids`, in that order, or INVALID_ARGUMENT."""
    if not kept_ids:
        return []
    if len(set(kept_ids)) != len(kept_ids):
        raise InvalidArgument("Une même pièce jointe est nommée deux fois", reason="ATTACHMENT_REPEATED")
    found = {a.attachment_id: a for a in repo.pending_uploads(kept_ids, patient_id, uploaded_by, for_update=for_update)}
    if len(found) != len(kept_ids):
        raise InvalidArgument("Pièce jointe introuvable ou déjà jointe à un message", reason="ATTACHMENT_NOT_FOUND")
    return [found[k] for k in kept_ids]


def store(deps: Dependencies, patient_id: str, checked: list[Checked], now: datetime, *,
          message_id: str = "", draft_id: str = "", first_position: int = 0, uploaded_by: str = "",
          source: str = UPLOAD) -> list[Attachment]:
    """The objects written; the rows are the caller's to add in its transaction."""
    stored: list[Attachment] = []
    try:
        for offset, c in enumerate(checked):
            key = uuid.uuid4().hex
            deps.objects.put(key, c.stored.data, c.stored.content_type)
            stored.append(Attachment(
                attachment_id=str(uuid.uuid4()), patient_id=patient_id, filename=c.filename,
                content_type=c.stored.content_type, size_bytes=len(c.stored.data), sha256=c.sha256, object_key=key,
                source=DOCUMENT if c.source_document_id else source, source_document_id=c.source_document_id,
                created_at=now, message_id=message_id, draft_id=draft_id,
                position=first_position + offset, uploaded_by=uploaded_by))
    except Exception as exc:
        discard(deps, stored)
        log.error("attachment storage failed", extra={"error": type(exc).__name__})
        raise Unavailable("Stockage des pièces jointes indisponible, réessayez plus tard",
                          reason="STORAGE_UNAVAILABLE") from None
    return stored


def discard(deps: Dependencies, attachments: list[Attachment] | list[str]) -> None:
    """Best effort: an object left behind is unreachable (no row names it)."""
    for item in attachments:
        key = item if isinstance(item, str) else item.object_key
        try:
            deps.objects.delete(key)
        except Exception as exc:
            log.warning("attachment object not deleted", extra={"error": type(exc).__name__})
