"""The insurer's opt-out feed (DOMAIN.md §4.1): thousands of people per call, each answered on its own.

A new NIR is announced (status PENDING, ANNOUNCED here): its provisional code and the creation
notice (ACCOUNT_CREATED: by email, by letter when no email is known) as CreateAccount writes them;
the space is created at activation or by creation_jobs 6 weeks after the notice, unless she opposes
(opposition.py). A NIR already known changes nothing, so a feed sent twice is harmless, even two
at once (a lock per NIR for the transaction).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meskit.auth import OPERATOR, Caller
from meskit.errors import DomainError, FieldViolation, Violations

from identity.domain import accounts
from identity.domain.account_events import OPPOSITION_PERIOD
from identity.domain.models import ANNOUNCED
from identity.domain.ports import Dependencies

MAX_BATCH = 5000
ANNOUNCED_OUTCOME, ALREADY_KNOWN, REJECTED = "ANNOUNCED", "ALREADY_KNOWN", "REJECTED"
NO_ADDRESS = "Ni adresse postale ni adresse e-mail : la notification de création ne peut pas être envoyée"


@dataclass(frozen=True)
class FeedResult:
    index: int
    nir: str
    outcome: str
    account_id: str = ""
    provisional_code: str = ""
    code_expires_at: datetime | None = None
    error: str = ""
    violations: tuple[FieldViolation, ...] = ()


def import_feed(deps: Dependencies, caller: Caller, people: list[accounts.NewAccount]) -> list[FeedResult]:
    caller.require(OPERATOR)
    v = Violations()
    if not people:
        v.add("people", "indiquez au moins une personne")
    if len(people) > MAX_BATCH:
        v.add("people", f"au plus {MAX_BATCH} personnes par appel (reçu : {len(people)})")
    v.raise_if_any()
    return [_one(deps, caller, index, person) for index, person in enumerate(people)]


def _one(deps: Dependencies, caller: Caller, index: int, person: accounts.NewAccount) -> FeedResult:
    try:
        birth = accounts.check_new_account(person)
        if not (person.email or person.postal_address):
            # no notice can reach her, so the six weeks never start (DOMAIN.md §4.1: "no address")
            return FeedResult(index, person.nir, REJECTED, error=NO_ADDRESS, violations=(
                FieldViolation("postal_address", "une adresse postale ou une adresse e-mail est requise"),))
        now = deps.now()
        with deps.unit_of_work() as repo:
            repo.lock_nir(person.nir)     # two feeds naming the same new person: one announces her
            known = repo.account_id_by_nir(person.nir)
            if known:
                return FeedResult(index, person.nir, ALREADY_KNOWN, account_id=known)
            account, code, expires_at = accounts.add_account(deps, repo, caller, person, birth, now, status=ANNOUNCED,
                                                             creation_due_at=now + OPPOSITION_PERIOD)
    except DomainError as refused:
        return FeedResult(index, person.nir, REJECTED, error=refused.message, violations=tuple(refused.violations))
    return FeedResult(index, person.nir, ANNOUNCED_OUTCOME, account_id=account.account_id, provisional_code=code,
                      code_expires_at=expires_at)
