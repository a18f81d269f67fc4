"""The insurer suspends a space (fraud, malfunction; DOMAIN §4.4). Operators suspend an ACTIVE or
CREATED space: it is SUSPENDED (sessions ended, nobody reads it), its holder is told
(SUSPENSION_PROFIL with the closing date). Six weeks later it closes by itself (archived, as a
closure without deletion) unless she objected (by the phone line: an operator records it); lifting
the suspension gives the space back as it was (FIN_SUSPENSION_PROFIL)."""
from __future__ import annotations

from datetime import datetime, timedelta

from meskit import events
from meskit.auth import OPERATOR, SUPPORT, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied, Violations, require_ids
from meskit.events import ACCOUNT_CLOSED as ACCOUNT_CLOSED_EVENT

from identity.domain import account_events, auditing
from identity.domain.models import ACTIVE, CLOSED, CREATED, Account
from identity.domain.ports import Dependencies

SUSPENDED = "SUSPENDED"
WITHOUT_OBJECTION = timedelta(weeks=6)
REASON_MAX = 500
BATCH = 20


def suspend(deps: Dependencies, caller: Caller, account_id: str, reason: str) -> Account:
    _operator(caller)
    require_ids(account_id=account_id)
    v = Violations()
    v.require(reason.strip(), "reason")
    v.max_length(reason, "reason", REASON_MAX)
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        account = _account(repo, account_id)
        if account.status not in (ACTIVE, CREATED):
            raise FailedPrecondition("Seul un profil ouvert peut être suspendu", reason="NOT_SUSPENDABLE")
        closes_on = now + WITHOUT_OBJECTION
        repo.add_suspension(account_id, account.status, reason.strip(), now, closes_on)
        repo.set_status(account_id, SUSPENDED)
        repo.end_sessions(account_id, now)
        repo.add_audit(_record(caller, account_id, now, "Suspension du profil par l'Assurance Maladie"))
        repo.add_notice(events.envelope(events.SUSPENSION_PROFIL, account_id,
                                        events.SpaceSuspended(closes_on=closes_on), occurred_at=now))
        return _account(repo, account_id)


def record_objection(deps: Dependencies, caller: Caller, account_id: str) -> Account:
    _operator(caller)
    require_ids(account_id=account_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        _suspended(repo, account_id)
        repo.object_to_suspension(account_id, now)
        repo.add_audit(_record(caller, account_id, now, "Objection à la suspension du profil"))
        return _account(repo, account_id)


def lift(deps: Dependencies, caller: Caller, account_id: str) -> Account:
    _operator(caller)
    require_ids(account_id=account_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        previous = _suspended(repo, account_id)
        repo.end_suspension(account_id)
        repo.set_status(account_id, previous)
        repo.add_audit(_record(caller, account_id, now, "Fin de la suspension du profil"))
        repo.add_notice(events.envelope(events.FIN_SUSPENSION_PROFIL, account_id,
                                        events.ActorNotice(actor_display="l'Assurance Maladie"), occurred_at=now))
        return _account(repo, account_id)


def close_unopposed(deps: Dependencies) -> int:
    """The job: suspended six weeks without objection, the space closes (archived ten years)."""
    now = deps.now()
    with deps.unit_of_work() as repo:
        due = repo.claim_unopposed_suspensions(now, BATCH)
        for account_id in due:
            repo.end_suspension(account_id)
            repo.set_status(account_id, CLOSED)
            repo.record_closure(account_id, now, None)
            repo.add_audit(_record(auditing.IDENTITY, account_id, now,
                                   "Clôture du profil après six semaines de suspension sans objection"))
            closed = repo.get_account(account_id)
            assert closed is not None
            repo.add_notice(events.envelope(events.CONFIRMATION_CLOTURE, account_id,
                                            events.SpaceClosed(erase_on=None), occurred_at=now))
            repo.add_notice(account_events.changed(ACCOUNT_CLOSED_EVENT, closed, now))
    return len(due)


def _suspended(repo, account_id: str) -> str:
    account = _account(repo, account_id, for_update=True)
    previous = repo.suspension_of(account_id)
    if account.status != SUSPENDED or previous is None:
        raise FailedPrecondition("Ce profil n'est pas suspendu", reason="NOT_SUSPENDED")
    return previous


def _account(repo, account_id: str, *, for_update: bool = False) -> Account:
    account = repo.get_account(account_id, for_update=for_update)
    if account is None:
        raise NotFound("Profil introuvable")
    return account


def _operator(caller: Caller) -> None:
    if caller.actor_type not in (OPERATOR, SUPPORT):
        raise PermissionDenied("Réservé aux opérateurs", reason="NOT_OPERATOR")


def _record(caller: Caller, account_id: str, now: datetime, label: str):
    return auditing._record(caller, now, action=auditing.ACCOUNT_CHANGE, patient_id=account_id,
                            resource_type=auditing.ACCOUNT, resource_id=account_id, rule=auditing.OPERATOR_FEED,
                            label=label)
