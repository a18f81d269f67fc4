"""The space created by itself (DOMAIN.md §4.1): an announced account (PENDING) whose person neither
activated nor opposed within 6 weeks of her notice becomes CREATED, one batch per pass (meskit.loop).

Safe with several replicas: the due rows are claimed FOR UPDATE SKIP LOCKED and changed by a
conditional update (only the pass that changed a row writes its audit record); a pass after a
downtime catches up on every past due date, a batch at a time.
"""
from __future__ import annotations

from identity.domain import auditing
from identity.domain.models import ANNOUNCED, CREATED
from identity.domain.ports import Dependencies

BATCH = 200


def run_due(deps: Dependencies) -> int:
    """How many spaces this pass created (BATCH: there may be more)."""
    now = deps.now()
    created = 0
    with deps.unit_of_work() as repo:
        for account_id in repo.claim_due_creations(now, BATCH):
            if repo.change_status(account_id, from_statuses=(ANNOUNCED,), to=CREATED):
                repo.add_audit(auditing.space_created(account_id, now))
                created += 1
    return created
