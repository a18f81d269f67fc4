"""Reopening a closed space (DOMAIN §4.4): its holder logs in again asking for it (StartLogin and
CompleteLogin with `reopen`: her password, then the one-time code, as at every login). Within the ten
years of the archive the space is ACTIVE again with everything it held, and a pending deletion is
cancelled; once its erasure has started, it cannot be reopened. The delegations ended at the closure
stay ended: she shares her space again if she wishes."""
from __future__ import annotations

from datetime import datetime

from meskit.auth import PATIENT, Caller
from meskit.errors import FailedPrecondition
from meskit.events import ACCOUNT_ACTIVATED

from identity.domain import account_events, auditing
from identity.domain.models import ACTIVE, CLOSED

ERASURE_STARTED = "La suppression des données de ce profil a commencé : il ne peut plus être rouvert"


def refuse_if_erasing(repo, account_id: str) -> None:
    if repo.erasure_of(account_id) is not None:
        raise FailedPrecondition(ERASURE_STARTED, reason="ERASURE_STARTED")


def reopen(repo, account_id: str, now: datetime) -> None:
    """In the login's transaction, once the code is right."""
    account = repo.get_account(account_id, for_update=True)
    if account is None or account.status != CLOSED:
        return
    refuse_if_erasing(repo, account_id)
    repo.reopen_account(account_id, ACTIVE)
    reopened = repo.get_account(account_id)
    repo.add_audit(auditing._record(Caller(PATIENT, account_id), now,
                                    action=auditing.ACCOUNT_CHANGE, patient_id=account_id,
                                    resource_type=auditing.ACCOUNT, resource_id=account_id, rule=auditing.HOLDER,
                                    label="Réouverture du profil Mon espace santé"))
    repo.add_notice(account_events.changed(ACCOUNT_ACTIVATED, reopened, now))
