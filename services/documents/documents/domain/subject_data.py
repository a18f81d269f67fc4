"""A person's documents as her export archive holds them, and their erasure (DOMAIN §4.4).

Export: `documents/documents.json` (every document's metadata, folders) and each document's original
bytes under `documents/fichiers/`, for the exports service only; the read is audited (ACTION_EXPORT,
the export's id in the record) before a byte leaves. Erase: the bytes first, then the rows, so that a
crash in between leaves rows to find the bytes again: a retry erases what is left and counts zero for
what is gone (a crash between a file and its row counts that one file again)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from meskit import audit
from meskit.auth import SERVICE, Caller
from meskit.errors import PermissionDenied, require_ids

from documents.domain.models import Document, Folder
from documents.domain.ports import Dependencies

EXPORTER, ERASER = "exports", "identity"
FOLDER = "documents/"
EXPORT = "EXPORT"


@dataclass(frozen=True)
class ExportFile:
    """One file of the archive: its path, media type and bytes, in pieces."""
    path: str
    content_type: str
    chunks: Iterator[bytes]


def require_service(caller: Caller, name: str) -> None:
    if caller.actor_type != SERVICE or caller.subject != name:
        raise PermissionDenied(f"Réservé au service {name}", reason="NOT_THE_SERVICE")


def file_name(d: Document) -> str:
    """The document's name in the archive: its id (unique) and the name it was deposited with."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in d.filename) or "document"
    return f"{FOLDER}fichiers/{d.document_id}-{safe}"


def _metadata(d: Document, folders: dict[str, str]) -> dict:
    stamp = lambda value: value.isoformat() if value else None   # noqa: E731
    return {"document_id": d.document_id, "title": d.title, "document_date": d.document_date.isoformat(),
            "category": d.category, "class_code": d.class_code, "type_code": d.type_code,
            "author": {"type": d.author.type, "display_name": d.author.display_name,
                       "profession_code": d.author.profession_code,
                       "organisation_type": d.author.organisation_type},
            "content_type": d.content_type, "size_bytes": d.size_bytes, "sha256": d.sha256,
            "filename": d.filename, "file": file_name(d) if not d.deleted else None, "state": d.state,
            "masked": d.visibility.masked, "pinned": d.pinned,
            "folder": folders.get(d.folder_id or ""), "created_at": stamp(d.created_at),
            "updated_at": stamp(d.updated_at), "deleted_at": stamp(d.deleted_at)}


def _visible(d: Document) -> bool:
    """What the holder herself may see: not deleted by its author, not hidden from her (embargo)."""
    return not d.deleted and not d.visibility.hidden_from_patient


def export(deps: Dependencies, caller: Caller, account_id: str, export_id: str) -> Iterator[ExportFile]:
    require_service(caller, EXPORTER)
    require_ids(account_id=account_id, export_id=export_id)
    with deps.unit_of_work() as repo:
        found = [d for d in repo.list_documents(account_id) if _visible(d)]
        folders: list[Folder] = repo.list_folders(account_id)
    if not found and not folders:
        return iter(())
    deps.audit.append(audit.record(caller, group=audit.MEDICAL_DOCUMENT, resource_type="document", action=EXPORT,
                                   patient_id=account_id, allowed=True, rule="subject_export", now=deps.now(),
                                   resource_id=export_id, resource_label=f"{len(found)} documents",
                                   display_name="Export de vos données"))
    names = {f.folder_id: f.name for f in folders}
    listing = {"documents": [_metadata(d, names) for d in found], "folders": sorted(names.values())}
    files = [ExportFile(f"{FOLDER}documents.json", "application/json",
                        iter([json.dumps(listing, ensure_ascii=False, indent=2).encode()]))]
    files += [ExportFile(file_name(d), d.content_type, _bytes(deps, d.object_key)) for d in found]
    return iter(files)


def _bytes(deps: Dependencies, key: str) -> Iterator[bytes]:
    """Opened when its turn comes, not all at once."""
    yield from deps.objects.stream(key)


def erase(deps: Dependencies, account_id: str) -> dict[str, int]:
    """Every byte and row of her documents, her folders and her relayed events; idempotent. Each file
    goes before its row. Events not yet relayed stay until they are (audit keeps its records)."""
    with deps.unit_of_work() as repo:
        found = repo.list_documents(account_id)
    for d in found:
        deps.objects.delete(d.object_key)
        with deps.unit_of_work() as repo:
            repo.delete_document(d.patient_id, d.document_id)
    with deps.unit_of_work() as repo:
        folders = len(repo.list_folders(account_id))
        left = repo.delete_patient_documents(account_id)    # deposited meanwhile: none once the space is deleted
        events = repo.delete_published_events(account_id)
    for key in left:
        deps.objects.delete(key)
    return {"documents": len(found) + len(left), "folders": folders, "objects": len(found) + len(left),
            "outbox_events": events}
