"""Every 90 days each holder with an ACTIVE connection is sent the list of her synchronised apps
(SERVICES_SYNCHRONISES, DOMAIN §9; notifications honours NOTIF_SYNCHRONIZED_SERVICE), through the
outbox. Once per 90 days per holder, counted from her last list (else her first connection): a
pass after a downtime sends what is due, once. Safe with several replicas: the holders' account
rows are locked SKIP LOCKED and the list re-read under the lock; the notice's id is fixed by the
period it closes, so a list sent twice is one notice."""
from __future__ import annotations

import uuid
from datetime import timedelta

from meskit import events

from identity.domain.catalogue_models import ACTIVE, EXCHANGING, STOPPED
from identity.domain.ports import Dependencies

PERIOD = timedelta(days=90)
BATCH = 100
NOTICE_IDS = uuid.UUID("3d5e1c2a-8f4b-4a7e-9c61-2b7f0e9d4a15")


def remind_due(deps: Dependencies) -> int:
    now = deps.now()
    with deps.unit_of_work() as repo:
        due = repo.holders_due_reminder(now - PERIOD, BATCH)
        for patient_id in repo.lock_accounts_skip_locked(due):
            connected = repo.connections_of(patient_id)
            active = [c for c in connected if c.status == ACTIVE]
            reminded = [c.last_reminded_at for c in connected if c.last_reminded_at is not None]
            anchor = max(reminded) if reminded else min((c.connected_at for c in active), default=None)
            if anchor is None or anchor > now - PERIOD:
                continue                                   # another replica just sent it
            apps = [a for c in connected if c.status in EXCHANGING
                    and (a := repo.get_app(c.app_id)) is not None and a.status not in STOPPED]
            if apps:
                repo.add_notice(events.envelope(
                    events.SERVICES_SYNCHRONISES, patient_id,
                    events.SynchronizedServices(app_names=", ".join(sorted(a.name for a in apps)), as_of=now),
                    occurred_at=now, event_id=uuid.uuid5(NOTICE_IDS, f"{patient_id}|{anchor.isoformat()}")))
            repo.mark_reminded(patient_id, now)
    return len(due)
