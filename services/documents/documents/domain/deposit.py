"""UploadDocument: a file streamed in, checked by its bytes, stored as an object, then recorded.

Order (no orphan, nothing stored on refusal): metadata checks and the deposit decision, the stream
counted while it is read (stops past the limit), the content check and PNG -> JPEG conversion, the
object written under a random key, then the row, the AUDIT_RECORD and the AJOUT_DOCUMENT events in
one transaction. If that transaction fails, the object is deleted.
"""
from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from meskit.auth import Caller
from meskit.errors import InvalidArgument, Unavailable, Violations, require_ids
from meskit.filecheck import content

from documents.domain import apps, auditing, catalog, embargo, reach
from documents.domain.access import ActorType, AuthorType, Decision, initial_masked
from documents.domain.actors import Who, who
from documents.domain.errors import DuplicateUpload
from documents.domain.models import Author, Document, Shown, Visibility
from documents.domain.notices import document_added
from documents.domain.permissions import denied, deposit_decision
from documents.domain.ports import Dependencies
from documents.domain.showing import shown

log = logging.getLogger("documents.deposit")
PARIS = ZoneInfo("Europe/Paris")
TITLE_LIMIT, FILENAME_LIMIT = 255, 255
AUTHOR_TYPES = {"patient", "professional", "organisation", "device"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")
SYSTEM_KEYS = uuid.UUID("8d3e6f0a-4b1c-4f5e-a2d7-9c0b1e3f5a68")   # object keys of system deposits
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
CHUNK_LIMIT = 1024 * 1024            # largest chunk message of the stream (documents.proto)


@dataclass(frozen=True, kw_only=True)
class UploadMeta:
    patient_id: str
    title: str = ""
    document_date: str = ""
    category: str = ""
    class_code: str = ""
    type_code: str = ""
    masked: bool | None = None
    hidden_from_patient: bool = False
    hidden_from_patient_until: datetime | None = None
    hidden_from_legal_representatives: bool = False
    filename: str = ""
    size_bytes: int = 0
    sha256: str = ""
    folder_id: str = ""
    upload_id: str = ""
    author: Author | None = None          # services only


@dataclass(frozen=True, kw_only=True)
class SystemDeposit:
    """A document documents files by itself (a caregiving attestation, domain/attestations.py): its id
    is given, so that a retry or another replica files it once (the row is inserted unless the id
    exists, the bytes written under a key derived from it); the patient is not told (AJOUT_DOCUMENT):
    what it attests was told already; its audit record carries `rule`."""
    document_id: str
    rule: str


def refused(reason: str, message: str) -> InvalidArgument:
    return InvalidArgument(message, reason=reason)


def parse_document_date(value: str, today: date, field: str = "document_date") -> date:
    if not value:
        return today
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument("Date invalide", violations=None, reason="INVALID_DATE") from None
    if parsed > today or parsed.year < 1900:
        raise InvalidArgument(f"{field} : la date doit être passée ou aujourd'hui", reason="INVALID_DATE")
    return parsed


def _check(meta: UploadMeta) -> None:
    require_ids(patient_id=meta.patient_id)
    v = Violations()
    v.max_length(meta.title, "title", TITLE_LIMIT)
    v.max_length(meta.filename, "filename", FILENAME_LIMIT)
    for name in ("folder_id", "upload_id", "class_code", "type_code", "category"):
        v.max_length(getattr(meta, name), name, 64)
    if meta.sha256 and not HEX64.match(meta.sha256.lower()):
        v.add("sha256", "64 chiffres hexadécimaux attendus")
    if meta.size_bytes < 0:
        v.add("size_bytes", "nombre positif attendu")
    v.raise_if_any()
    if meta.size_bytes > content.MAX_SIZE_BYTES:
        raise refused(content.TOO_LARGE, content.too_large(meta.size_bytes).message)


def _classify(meta: UploadMeta, patient_side: bool, *, system: bool) -> tuple[str, str, str]:
    """(category, class_code, type_code) from what the depositor gave."""
    if patient_side:
        allowed = catalog.CATEGORIES if system else catalog.SELECTABLE_CATEGORIES
        if meta.type_code or meta.class_code:
            raise InvalidArgument("Le patient classe un document par catégorie, sans typeCode ni classCode",
                                  reason="INVALID_CLASSIFICATION")
        if meta.category not in allowed or meta.category not in catalog.PATIENT_TYPE_FOR_CATEGORY:
            raise InvalidArgument("Catégorie de document invalide", reason="INVALID_CATEGORY")
        type_code = catalog.PATIENT_TYPE_FOR_CATEGORY[meta.category]
        return meta.category, catalog.TYPES[type_code].class_code, type_code
    known = catalog.TYPES.get(meta.type_code)
    if known is None or meta.type_code in catalog.PATIENT_TYPES:
        raise InvalidArgument("typeCode inconnu ou réservé aux dépôts du patient (JDV_J66)", reason="INVALID_TYPE_CODE")
    if meta.class_code and meta.class_code != known.class_code:
        raise InvalidArgument(f"Le typeCode {known.type_code} est de classe {known.class_code}",
                              reason="INVALID_CLASS_CODE")
    category = catalog.category_for_type(known.type_code)
    if meta.category and meta.category != category:
        raise InvalidArgument("La catégorie se déduit du typeCode", reason="INVALID_CATEGORY")
    return category, known.class_code, known.type_code


def _author(w: Who, meta: UploadMeta) -> Author:
    actor = w.actor
    if actor.type == ActorType.PATIENT:
        return Author(type=AuthorType.PATIENT.value, id=w.patient_id)
    if actor.type == ActorType.DELEGATE:
        return Author(type=AuthorType.PATIENT.value, id=w.patient_id, delegate_account_id=actor.id)
    if actor.type == ActorType.PROFESSIONAL:
        return Author(type=AuthorType.PROFESSIONAL.value, id=actor.id, display_name=w.display_name,
                      profession_code=actor.profession_code)
    if actor.type == ActorType.APP:
        return apps.author(w.context.app, w.caller)
    given = meta.author
    if given is None or given.type not in AUTHOR_TYPES or not given.id:
        raise InvalidArgument("Un service dépose pour un auteur nommé (author.type et author.id)",
                              reason="AUTHOR_REQUIRED")
    v = Violations()
    for name, limit in (("id", 64), ("display_name", 200), ("profession_code", 4), ("organisation_type", 32)):
        v.max_length(getattr(given, name), f"author.{name}", limit)
    v.raise_if_any()
    if given.type == "patient":
        return Author(type="patient", id=w.patient_id, display_name=given.display_name)
    return given


def _read(chunks: Iterable[bytes]) -> bytes:
    """The whole stream, refused as soon as it passes the limit (the rest is never read)."""
    parts, total = [], 0
    for chunk in chunks:
        if len(chunk) > CHUNK_LIMIT:
            raise refused("CHUNK_TOO_LARGE", f"Un morceau du fichier dépasse {CHUNK_LIMIT} octets")
        total += len(chunk)
        if total > content.MAX_SIZE_BYTES:
            raise refused(content.TOO_LARGE, content.too_large().message)
        parts.append(chunk)
    return b"".join(parts)


def _stored_name(title: str, filename: str, extension: str) -> str:
    stem = title or filename.rsplit(".", 1)[0] or "document"
    stem = UNSAFE_NAME.sub(" ", stem).strip(" .")[:100] or "document"
    return f"{stem}.{extension}"


def upload(deps: Dependencies, caller: Caller, meta: UploadMeta, chunks: Iterable[bytes], *,
           system: SystemDeposit | None = None) -> Shown:
    _check(meta)
    w = who(deps, caller, meta.patient_id)
    now = deps.now()
    reach.refuse_if_closed(deps, w, action=auditing.CREATE, now=now, read=False)
    decision = deposit_decision(w.actor, w.context.settings)
    if not decision.allowed:
        with deps.unit_of_work() as repo:
            repo.add_audit(auditing.record(w, action=auditing.CREATE, decision=decision, now=now))
        raise denied(decision, "Vous ne pouvez pas déposer de document dans ce profil")
    author = _author(w, meta)
    patient_side = author.type == "patient"
    category, class_code, type_code = _classify(meta, patient_side, system=w.actor.type == ActorType.SERVICE)
    if w.actor.type == ActorType.APP and not apps.may_write(w.context.app, type_code):
        with deps.unit_of_work() as repo:
            repo.add_audit(auditing.record(w, action=auditing.CREATE, decision=apps.NOT_CONSENTED, now=now))
        raise denied(apps.NOT_CONSENTED, "Consent not given")
    if meta.hidden_from_patient and author.type != "professional":
        raise InvalidArgument("Seul le professionnel auteur masque un document au patient", reason="NOT_AN_AUTHOR")
    if meta.hidden_from_patient_until is not None and (not meta.hidden_from_patient or meta.hidden_from_patient_until <= now):
        raise InvalidArgument("hidden_from_patient_until : une date future, avec hidden_from_patient",
                              reason="INVALID_DATE")
    document_date = parse_document_date(meta.document_date, now.astimezone(PARIS).date())
    title = meta.title.strip() or (meta.filename.rsplit(".", 1)[0].strip() if meta.filename else "") or "Document"
    upload_key = (author.delegate_account_id or author.id) if meta.upload_id else ""

    with deps.unit_of_work() as repo:
        filed = repo.get_document(meta.patient_id, system.document_id) if system else None
        if filed is not None:
            return shown(w, filed, now)
        if meta.upload_id:
            existing = repo.find_upload(meta.patient_id, upload_key, meta.upload_id)
            if existing is not None:
                return shown(w, existing, now)
        if meta.folder_id and (not patient_side or repo.get_folder(meta.patient_id, meta.folder_id) is None):
            raise InvalidArgument("Dossier introuvable", reason="FOLDER_NOT_FOUND")

    data = _read(chunks)
    if meta.size_bytes and len(data) != meta.size_bytes:
        raise refused("CHECKSUM_MISMATCH", "La taille reçue ne correspond pas à la taille annoncée")
    received_sha256 = hashlib.sha256(data).hexdigest() if meta.sha256 else ""
    if received_sha256 != meta.sha256.lower():
        raise refused("CHECKSUM_MISMATCH", "L'empreinte SHA-256 reçue ne correspond pas à celle annoncée")
    try:
        stored = content.accept(data)
    except content.ContentRefused as exc:
        log.info("upload refused", extra={"reason": exc.reason, "size": len(data)})
        raise refused(exc.reason, exc.message) from None
    stored_sha256 = received_sha256 if received_sha256 and stored.data is data else hashlib.sha256(stored.data).hexdigest()

    settings = w.context.settings
    document = Document(
        document_id=system.document_id if system else str(uuid.uuid4()), patient_id=meta.patient_id, title=title,
        document_date=document_date,
        category=category, class_code=class_code, type_code=type_code, author=author,
        content_type=stored.content_type, size_bytes=len(stored.data), sha256=stored_sha256,
        filename=_stored_name(title, meta.filename, stored.extension),
        object_key=uuid.uuid5(SYSTEM_KEYS, system.document_id).hex if system else uuid.uuid4().hex,
        visibility=Visibility(
            masked=initial_masked(settings, depositor=w.actor.type, requested=meta.masked),
            hidden_from_patient=meta.hidden_from_patient, hidden_from_patient_until=meta.hidden_from_patient_until,
            hidden_from_legal_representatives=meta.hidden_from_legal_representatives),
        folder_id=meta.folder_id or None, upload_id=meta.upload_id or None, created_at=now, updated_at=now)
    author_address = _address_of(deps, w, author.id) if meta.hidden_from_patient else ""
    try:
        deps.objects.put(document.object_key, stored.data, stored.content_type)
    except Exception as exc:
        log.error("object store write failed", exc_info=exc)
        raise Unavailable("Stockage des documents indisponible, réessayez plus tard", reason="STORAGE_UNAVAILABLE") from None
    if system is not None:
        decision = Decision(True, system.rule, "filed by documents itself")
    try:
        with deps.unit_of_work() as repo:
            if not repo.add_document(document, upload_key=upload_key, if_absent=system is not None):
                return shown(w, repo.get_document(meta.patient_id, document.document_id) or document, now)
            repo.add_audit(auditing.record(w, action=auditing.CREATE, decision=decision, now=now, document=document,
                                           display_name=author.display_name if system else ""))
            if not patient_side and not meta.hidden_from_patient and system is None:
                repo.add_notice(document_added(meta.patient_id, document.document_id, author.display_name, now,
                                               hidden_from_legal_representatives=meta.hidden_from_legal_representatives))
            _restricted(repo, document, author_address, now)
    except BaseException as exc:
        if system is None:      # a system deposit's key may hold another replica's bytes: a retry rewrites it
            _forget(deps, document.object_key)
        if isinstance(exc, DuplicateUpload):
            with deps.unit_of_work() as repo:
                earlier = repo.find_upload(meta.patient_id, upload_key, meta.upload_id)
                assert earlier is not None, "a duplicate upload is one already stored"
                return shown(w, earlier, now)
        raise
    log.info("document deposited", extra={"document_id": document.document_id, "size": document.size_bytes,
                                           "content_type": document.content_type})
    return shown(w, document, now)


def _restricted(repo, document: Document, author_address: str, now: datetime) -> None:
    """A restricted deposit: audit learns it in this transaction; an embargo's author is reminded."""
    v = document.visibility
    if not (v.hidden_from_patient or v.hidden_from_legal_representatives):
        return
    embargo.restriction_changed(repo, document, now)
    if v.hidden_from_patient:
        repo.add_notice(embargo.reminder(document, document.author.id, author_address, now))


def _address_of(deps: Dependencies, w: Who, professional_id: str) -> str:
    """The author's MSSanté address, else email (identity's record of them)."""
    record = w.context.professional
    if record is None or record.professional_id != professional_id:
        record = deps.contexts.get(w.patient_id, professional_id).professional
    return record.notification_address if record is not None else ""


def _forget(deps: Dependencies, key: str) -> None:
    try:
        deps.objects.delete(key)
    except Exception:
        log.error("orphan object left after a failed deposit", extra={"object_key": key}, exc_info=True)
