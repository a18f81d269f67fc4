"""A deleted space's erasure across services (DOMAIN §4.4), orchestrated by identity.

A closed space is due for erasure on its deletion date (asked at closure, DELETION_DELAY_DAYS later)
or ten years after its closure (the archive's end). The job starts one erasure per space (its id
derived from the account's, the same on every replica and retry); the services identity calls
(notifications, audit) are told with EraseSubjectData, the others pull theirs
(ListPendingErasures) and report (ReportErasure). Every participant's report is kept. Once all
reported, identity erases its own data in the same transaction as the last report (the space
becomes DELETED): the erasure then completes. Every step is idempotent, so a crash anywhere
resumes at the next pass."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from meskit.auth import OPERATOR, SERVICE, SUPPORT, Caller
from meskit.errors import NotFound, PermissionDenied, Violations

from identity.domain.erasure_models import IDENTITY, REQUESTED, RETENTION, Erasure
from identity.domain.ports import Dependencies

log = logging.getLogger("identity.erasures")
NAMESPACE = uuid.UUID("0f6f1d2a-7c1e-4b8e-a7d5-3c9b2e41a6f0")
ARCHIVE = timedelta(days=3653)       # ten years (DOMAIN §4.4)
BATCH = 20
DEFAULT_LIMIT, MAX_LIMIT = 100, 500
# Tells one service identity calls: what it erased, or None when it did not answer.
Eraser = Callable[[str, str], "dict[str, int] | None"]


@dataclass(frozen=True)
class ErasurePlan:
    """Who takes part: the services that pull their erasures, and the stubs of those identity calls."""
    pulled: tuple[str, ...] = ("documents", "messaging", "agenda", "profile")
    pushed: Mapping[str, Eraser] = field(default_factory=dict)

    @property
    def participants(self) -> tuple[str, ...]:
        return tuple(sorted({*self.pulled, *self.pushed}))


def erasure_id(account_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, account_id))


def list_pending(deps: Dependencies, plan: ErasurePlan, caller: Caller, limit: int) -> list[Erasure]:
    service = _pulling_service(plan, caller)
    if not 0 <= limit <= MAX_LIMIT:
        v = Violations()
        v.add("limit", f"entre 1 et {MAX_LIMIT}")
        v.raise_if_any()
    with deps.unit_of_work() as repo:
        return repo.erasures_without_report(service, limit or DEFAULT_LIMIT)


def report(deps: Dependencies, plan: ErasurePlan, caller: Caller, erasure_id_: str, erased: dict[str, int]) -> bool:
    """Records the calling service's report (the first one stays); True once the erasure is complete."""
    service = _pulling_service(plan, caller)
    v = Violations()
    v.require(erasure_id_, "erasure_id")
    v.max_length(erasure_id_, "erasure_id", 36)
    for kind, count in erased.items():
        if not kind or len(kind) > 64 or count < 0:
            v.add("erased", "un type (64 caractères au plus) et un nombre positif ou nul par ligne")
            break
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        found = repo.get_erasure(erasure_id_, for_update=True)
        if found is None:
            raise NotFound("Suppression introuvable")
        if found.completed_at is not None:
            return True
        repo.add_erasure_report(erasure_id_, service, erased, now)
        return _finish_if_all_reported(repo, plan, erasure_id_, now)


def list_for_operator(deps: Dependencies, caller: Caller, account_id: str, limit: int) -> list[Erasure]:
    if caller.actor_type not in (OPERATOR, SUPPORT):
        raise PermissionDenied("Réservé aux opérateurs", reason="NOT_OPERATOR")
    v = Violations()
    v.max_length(account_id, "account_id", 36)
    if not 0 <= limit <= MAX_LIMIT:
        v.add("limit", f"entre 1 et {MAX_LIMIT}")
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        return repo.list_erasures(account_id=account_id, limit=limit or DEFAULT_LIMIT)


def run_due(deps: Dependencies, plan: ErasurePlan) -> int:
    """One pass of the job: erasures started for the spaces due, each service identity calls told
    (those it has not answered yet, per service: one stuck service holds up no other), the erasure
    finished when everyone reported. How much it did (a full batch asks for another pass at once)."""
    now = deps.now()
    with deps.unit_of_work() as repo:
        due = repo.claim_due_closures(erase_by=now, closed_by=now - ARCHIVE, limit=BATCH)
        for closure in due:
            reason = REQUESTED if closure.erase_on is not None and closure.erase_on <= now else RETENTION
            repo.start_erasure(erasure_id(closure.account_id), closure.account_id, reason, now)
            _finish_if_all_reported(repo, plan, erasure_id(closure.account_id), now)     # nobody else takes part
    told = 0
    for name, erase in sorted(plan.pushed.items()):
        with deps.unit_of_work() as repo:
            todo = repo.erasures_without_report(name, BATCH)
        for erasure in todo:
            erased = erase(erasure.account_id, erasure.erasure_id)
            if erased is None:
                continue
            told += 1
            with deps.unit_of_work() as repo:
                locked = repo.get_erasure(erasure.erasure_id, for_update=True)
                if locked is not None and locked.completed_at is None:
                    repo.add_erasure_report(erasure.erasure_id, name, erased, deps.now())
                    _finish_if_all_reported(repo, plan, erasure.erasure_id, deps.now())
    return max(len(due), told)


def _finish_if_all_reported(repo, plan: ErasurePlan, erasure_id_: str, now: datetime) -> bool:
    """Identity's own erasure, last, once every participant reported (caller holds the erasure's lock)."""
    erasure = repo.get_erasure(erasure_id_)
    assert erasure is not None, "locked by the caller"
    if any(p not in erasure.reports for p in plan.participants):
        return False
    repo.add_erasure_report(erasure_id_, IDENTITY, repo.erase_identity_data(erasure.account_id), now)
    repo.complete_erasure(erasure_id_, now)
    log.info("space erased", extra={"erasure_id": erasure_id_})
    return True


def _pulling_service(plan: ErasurePlan, caller: Caller) -> str:
    if caller.actor_type != SERVICE or caller.subject not in plan.pulled:
        raise PermissionDenied("Réservé aux services qui suppriment les données d'un profil", reason="NOT_PARTICIPANT")
    return caller.subject
