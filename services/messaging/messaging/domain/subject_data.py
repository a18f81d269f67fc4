"""Her messaging in her export (`messagerie/`) and its erasure when her space is deleted.

Erasure deletes the attachments' bytes before the rows naming them: after a crash in between, the
next pass finds the rows again and deletes what is left (a missing object deletes as nothing)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from meskit import audit, subject_data
from meskit.auth import Caller

from messaging.domain import auditing
from messaging.domain.ports import Dependencies, ObjectStore

FOLDER = "messagerie/"
EXPORT_RULE = "subject_data_export"


class Store(Protocol):
    def attachments(self, patient_id: str) -> list[dict]: ...
    def export(self, patient_id: str) -> dict: ...
    def erase(self, patient_id: str) -> dict[str, int]: ...


def attachment_path(row: dict) -> str:
    return f"{FOLDER}pieces-jointes/{row['attachment_id']}-{row['filename']}"


def erase(store: Store, objects: ObjectStore, account_id: str) -> dict[str, int]:
    keys = [row["object_key"] for row in store.attachments(account_id)]
    for key in keys:
        objects.delete(key)
    return {**store.erase(account_id), "objects": len(keys)}


def export(deps: Dependencies, store: Store, caller: Caller, account_id: str, export_id: str):
    """Audited before anything leaves: the JSON of her conversations, then each attachment's bytes."""
    subject_data.require_service(caller, subject_data.EXPORTER)
    subject_data.require_uuids(account_id=account_id, export_id=export_id)
    content = store.export(account_id)
    files = store.attachments(account_id)
    deps.audit.append(auditing.record_of(caller, patient_id=account_id, action=audit.EXPORT,
                                         resource_type=auditing.EXPORT, resource_id=export_id, rule=EXPORT_RULE,
                                         now=deps.now()))
    return _files(deps.objects, content, files)


def _files(objects: ObjectStore, content: dict, files: list[dict]) -> Iterator:
    if not files and not any(content.values()):
        return      # nothing about her here: an empty stream
    keys = [row.pop("object_key") for row in files]
    listed = [{**row, "path": attachment_path(row)} for row in files]
    yield from subject_data.json_file(FOLDER + "messages.json", {**content, "attachments": listed})
    for row, key in zip(listed, keys):
        yield from subject_data.file_chunks(row["path"], row["content_type"], objects.stream(key))
