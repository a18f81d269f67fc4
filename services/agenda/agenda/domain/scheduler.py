"""The reminder scheduler: one pass sends the notices that are due, safe with any number of replicas.

Due rows are claimed with FOR UPDATE SKIP LOCKED inside one transaction that also writes each notice
to the outbox and marks the row: a replica killed mid-batch leaves nothing half done (its transaction
rolls back and another replica claims the rows), and a row once marked is never claimed again. The
notice's id derives from the entry and its time, so notifications tells it once whatever happens.

After downtime, the pass catches up: a missed appointment reminder is still sent while the
appointment is ahead, dropped (state `dropped`, one log line naming the entry only) once it has
begun; a missed agenda reminder is sent within REMINDER_GRACE of its time, dropped after.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from agenda.domain import calendar_notices as notices
from agenda.domain.calendar_models import DROPPED, SENT
from agenda.domain.notice_times import REMINDER_GRACE

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

BATCH = 100
log = logging.getLogger("agenda.scheduler")


def run_due(deps: Dependencies, batch: int = BATCH) -> int:
    """One pass; the number of entries handled (sent or dropped)."""
    now = deps.now()
    with deps.unit_of_work() as repo:
        handled = 0
        for a in repo.claim_due_appointments(now, batch):
            if a.start_time > now:
                repo.add_notice(notices.appointment_coming(a, now), once=True)
                repo.update_appointment(a.appointment_id, notice_state=SENT)
            else:
                repo.update_appointment(a.appointment_id, notice_state=DROPPED)
                log.info("appointment reminder missed and dropped: the appointment has begun",
                         extra={"appointment_id": a.appointment_id})
            handled += 1
        for r in repo.claim_due_reminders(now, batch):
            if now - r.remind_at <= REMINDER_GRACE:
                repo.add_notice(notices.reminder_due(r, now), once=True)
                repo.update_reminder(r.reminder_id, notice_state=SENT, notified_at=now)
            else:
                repo.update_reminder(r.reminder_id, notice_state=DROPPED)
                log.info("agenda reminder missed and dropped: too late to be useful",
                         extra={"reminder_id": r.reminder_id})
            handled += 1
    return handled
