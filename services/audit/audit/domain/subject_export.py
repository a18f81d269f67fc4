"""Her activity history in her export (exports' service token only): the export is itself recorded
first, so that it is in the history it exports; then her records, the latest signed head covering
them, one inclusion proof each and the log's keys (audit.domain.history_export)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timezone

from meskit import subject_data
from meskit.auth import Caller

from audit.domain import history_export as files
from audit.domain import merkle
from audit.domain.models import ALLOWED, EXPORT, GENERAL, SYSTEM_ACTOR, Entry, Personal
from audit.domain.ports import Dependencies
from audit.domain.visibility import HistoryViewer, shown_to

EXPORTED_RESOURCE = "activity_history"
EXPORT_LABEL = "Export de mes données : historique d'activité"


def export(deps: Dependencies, caller: Caller, account_id: str, export_id: str) -> Iterator:
    subject_data.require_service(caller, subject_data.EXPORTER)
    subject_data.require_uuids(account_id=account_id, export_id=export_id)
    now = deps.now().astimezone(timezone.utc)
    with deps.unit_of_work() as repo:
        known = bool(repo.subject_records(account_id))
    if not known:
        return iter(())
    deps.appender.submit([Entry(
        record_id=str(uuid.uuid4()), occurred_at=now, actor_type=SYSTEM_ACTOR, action=EXPORT, decision=ALLOWED,
        group=GENERAL, resource_type=EXPORTED_RESOURCE, rule="subject_data_export", service="audit",
        personal=Personal(patient_id=account_id, actor_id=caller.subject, resource_id=export_id,
                          resource_label=EXPORT_LABEL))])
    with deps.unit_of_work() as repo:
        found = repo.subject_records(account_id)
    viewer = HistoryViewer(delegate=False, now=now)
    mine = [(r, salt) for r, salt in found if shown_to(r, viewer) is r]
    head = deps.heads.latest(covering=max((r.leaf_index for r, _ in mine), default=0) + 1)
    with deps.unit_of_work() as repo:
        proofs = [files.proof_json(r.entry.record_id, r.leaf_index, head.tree_size, merkle.range_hashes(
            merkle.inclusion_ranges(r.leaf_index, head.tree_size), repo.stored_hashes)) for r, _ in mine]
    keys = deps.heads.keys()
    return _files([files.record_json(r, salt) for r, salt in mine], proofs, files.head_json(head),
                  [files.key_json(k) for k in keys])


def _files(records: list[dict], proofs: list[dict], head: dict, keys: list[dict]) -> Iterator:
    yield from subject_data.json_file(files.RECORDS, records)
    yield from subject_data.json_file(files.PROOFS, proofs)
    yield from subject_data.json_file(files.HEAD, head)
    yield from subject_data.json_file(files.KEYS, keys)
