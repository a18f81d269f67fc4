"""Folders of the patient's space (DOMAIN.md §2.3): the holder creates, renames and deletes them;
deleting a folder keeps its documents. Names are organisation, not health data: not audited.
A folder's document count is of the documents the caller sees: an embargoed document, or one hidden
from the legal representatives, is never counted for those it is hidden from (DOMAIN §10.3, §10.4)."""
from __future__ import annotations

import dataclasses
import uuid

from meskit.auth import Caller
from meskit.errors import FailedPrecondition, NotFound, Violations, require_ids

from documents.domain import listing, reach
from documents.domain.actors import Who, who
from documents.domain.models import Folder
from documents.domain.permissions import denied, holder_decision, read_decision
from documents.domain.ports import Dependencies

NAME_LIMIT = 50
MAX_FOLDERS = 200


def _holder(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    require_ids(patient_id=patient_id)
    w = who(deps, caller, patient_id)
    closed = reach.closed_decision(w)
    if closed is not None:    # folders are organisation, not audited
        raise reach.closed_error(closed)
    decision = holder_decision(w.actor, w.context.settings)
    if not decision.allowed:
        raise denied(decision, "Seul le titulaire du profil (ou la personne qui agit pour lui) gère ses dossiers")
    return w


def _counted(deps: Dependencies, w: Who, repo, folders: list[Folder]) -> list[Folder]:
    now = deps.now()
    seen: dict[str, int] = {}
    for d in repo.list_documents(w.patient_id):
        if d.folder_id and not d.deleted and read_decision(w, d, now).allowed:
            seen[d.folder_id] = seen.get(d.folder_id, 0) + 1
    return [dataclasses.replace(f, document_count=seen.get(f.folder_id, 0)) for f in folders]


def _name(name: str) -> str:
    name = name.strip()
    v = Violations()
    v.require(name, "name")
    v.max_length(name, "name", NAME_LIMIT)
    v.raise_if_any()
    return name


def create_folder(deps: Dependencies, caller: Caller, patient_id: str, name: str) -> Folder:
    _holder(deps, caller, patient_id)
    now = deps.now()
    folder = Folder(folder_id=str(uuid.uuid4()), patient_id=patient_id, name=_name(name), created_at=now,
                    updated_at=now)
    with deps.unit_of_work() as repo:
        if len(repo.list_folders(patient_id)) >= MAX_FOLDERS:
            raise FailedPrecondition(f"{MAX_FOLDERS} dossiers au plus", reason="TOO_MANY_FOLDERS")
        repo.add_folder(folder)
    return folder


def list_folders(deps: Dependencies, caller: Caller, patient_id: str, page_size: int,
                 page_token: str) -> tuple[list[Folder], str]:
    w = _holder(deps, caller, patient_id)
    size = listing.page_size_of(page_size)
    with deps.unit_of_work() as repo:
        folders = sorted(repo.list_folders(patient_id), key=lambda f: (f.name.casefold(), f.folder_id))
        start = int(page_token) if page_token.isdigit() else 0
        page = _counted(deps, w, repo, folders[start:start + size])
    return page, str(start + size) if start + size < len(folders) else ""


def rename_folder(deps: Dependencies, caller: Caller, patient_id: str, folder_id: str, name: str) -> Folder:
    w = _holder(deps, caller, patient_id)
    require_ids(folder_id=folder_id)
    name = _name(name)
    now = deps.now()
    with deps.unit_of_work() as repo:
        if repo.get_folder(patient_id, folder_id) is None:
            raise NotFound("Dossier introuvable")
        repo.rename_folder(folder_id, name, now)
        renamed = repo.get_folder(patient_id, folder_id)
        assert renamed is not None, "renamed in this transaction"
        return _counted(deps, w, repo, [renamed])[0]


def delete_folder(deps: Dependencies, caller: Caller, patient_id: str, folder_id: str) -> None:
    _holder(deps, caller, patient_id)
    require_ids(folder_id=folder_id)
    with deps.unit_of_work() as repo:
        if repo.get_folder(patient_id, folder_id) is None:
            raise NotFound("Dossier introuvable")
        repo.delete_folder(patient_id, folder_id)
