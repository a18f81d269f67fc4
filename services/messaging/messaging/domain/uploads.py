"""UploadAttachment: one file streamed in ahead of sending (the gateway's multipart upload), checked
like any attachment, stored, then attached by its id to a message or draft by the same caller.
Uploads never attached are deleted after UPLOAD_KEPT_HOURS (`purge_stale`, safe with replicas)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from meskit.auth import Caller
from meskit.errors import InvalidArgument, Violations, require_ids
from meskit.filecheck import content

from messaging.domain import attachments as files
from messaging.domain import auditing
from messaging.domain.actors import may_write, who
from messaging.domain.models import MAX_ATTACHMENT_BYTES, UPLOAD_KEPT_HOURS, Attachment
from messaging.domain.ports import Dependencies

PURGE_BATCH = 100


def _read(chunks: Iterable[bytes]) -> bytes:
    """The bytes, counted while they arrive: the stream stops being read past the limit."""
    parts, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_ATTACHMENT_BYTES:
            raise InvalidArgument(content.too_large().message, reason=content.TOO_LARGE)
        parts.append(chunk)
    return b"".join(parts)


def upload(deps: Dependencies, caller: Caller, patient_id: str, filename: str, size_bytes: int,
           chunks: Iterable[bytes]) -> Attachment:
    require_ids(patient_id=patient_id)
    v = Violations()
    v.require(filename, "filename")
    v.max_length(filename, "filename", files.FILENAME_LIMIT)
    v.raise_if_any()
    if size_bytes < 0 or size_bytes > MAX_ATTACHMENT_BYTES:
        raise InvalidArgument(content.too_large(size_bytes).message if size_bytes > 0 else "size_bytes invalide",
                              reason=content.TOO_LARGE if size_bytes > 0 else "SIZE_INVALID")
    w = who(deps, caller, patient_id)
    may_write(w)
    data = _read(chunks)
    if size_bytes and len(data) != size_bytes:
        raise InvalidArgument("La taille reçue diffère de la taille annoncée", reason="SIZE_MISMATCH")
    checked = files.check_one(data, filename)
    now = deps.now()
    [stored] = files.store(deps, patient_id, [checked], now, uploaded_by=caller.subject)
    try:
        with deps.unit_of_work() as repo:
            repo.add_attachment(stored)
            repo.add_audit(auditing.record(w, action=auditing.CREATE, resource_type=auditing.ATTACHMENT,
                                           resource_id=stored.attachment_id, rule="upload", now=now))
    except BaseException:
        files.discard(deps, [stored])
        raise
    return stored


def purge_stale(deps: Dependencies) -> int:
    """One batch of uploads never attached in time: rows deleted, then their objects."""
    with deps.unit_of_work() as repo:
        keys = repo.claim_stale_uploads(deps.now() - timedelta(hours=UPLOAD_KEPT_HOURS), PURGE_BATCH)
    files.discard(deps, keys)
    return len(keys)
