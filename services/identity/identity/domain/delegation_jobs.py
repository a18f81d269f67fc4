"""Delegations that end by themselves (DOMAIN §3.3, §10.5), one pass at a time (meskit.loop):

- the 18th birthday (in Paris; 1 March for a 29 February birth in a common year) ends every legal
  representation of the young adult, pending or in force (ENDED, MAJORITY). She is told once
  (RAPPEL_CONSENT_PASSAGE_MAJO, with a new activation code when her space is not activated yet),
  each former representative once, on her own profile (RAPPEL_CONSENT_RL_PASSAGE_MAJO: the young
  adult's first name, nothing else about her). The access context already stops listing them at 18:
  this makes it durable and tells people;
- a caregiving's end date: both sides told 14 days before (RAPPEL_FIN_PARTAGE_PROFIL), then once
  it passes the row says EXPIRED (END_DATE, ended_at = the end date) and both are told
  (FIN_PARTAGE_PROFIL);
- a caregiving unused (no SwitchProfile; else since its acceptance) for 5 calendar years ends
  (ENDED, UNUSED), both told (FIN_PARTAGE_PROFIL).

Safe with several replicas and retried passes: rows are claimed FOR UPDATE SKIP LOCKED and changed
by conditional updates (only the pass whose update changed a row writes its audit records and
notices), notices carry deterministic ids, and a pass catches up on everything due after a downtime,
a batch at a time. Every end leaves an audit record in the history of the person helped and her
PROFILE_LINKS_CHANGED snapshot (the bell's family views follow).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from meskit import events

from identity.domain import account_events, attestations, auditing
from identity.domain.delegations import _links_changed, _name, paris_today, years_before
from identity.domain.models import (ACCEPTED, CREATED, END_DATE, ENDED, EXPIRED, LEGAL_REPRESENTATION,
                                    MAJORITY, PENDING, UNUSED, Delegation)
from identity.domain.ports import Dependencies
from identity.domain.secrets import digest, new_provisional_code

BATCH = 100
ADULT_AGE = 18
REMINDER_AHEAD = timedelta(days=14)
UNUSED_YEARS = 5
NOTICE_IDS = uuid.UUID("6f0b4d0e-3c51-4c39-9a53-5b1f0c7d2e41")   # uuid5 namespace of these notices


def _event_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NOTICE_IDS, "|".join(parts))


@dataclass(frozen=True)
class Pass:
    majorities: int = 0
    ended: int = 0
    reminded: int = 0
    unused: int = 0

    def full(self) -> bool:
        """A batch was full somewhere: more may be due at once."""
        return max(self.majorities, self.ended, self.reminded, self.unused) >= BATCH


def run_due(deps: Dependencies) -> Pass:
    return Pass(majorities=end_majorities(deps), ended=end_caregivings(deps), reminded=remind_caregivings(deps),
                unused=end_unused_caregivings(deps))


# ---- the 18th birthday ----
def end_majorities(deps: Dependencies) -> int:
    now = deps.now()
    today = paris_today(now)
    with deps.unit_of_work() as repo:
        claimed = repo.claim_young_adults(years_before(today, ADULT_AGE), BATCH)
        for account_id in claimed:
            account = repo.get_account(account_id)
            if account is None or account_events.adult_on(account.birth_date) > today:
                continue
            before = [d for d in repo.delegations_of(delegator_id=account_id, type_=LEGAL_REPRESENTATION)
                      if d.state in (ACCEPTED, PENDING)]
            ended = repo.change_delegations([d.delegation_id for d in before], from_states=(ACCEPTED, PENDING),
                                            state=ENDED, ended_reason=MAJORITY, ended_at=now)
            if not ended:
                continue
            ended_ids = {d.delegation_id for d in ended}
            for d in ended:
                repo.add_audit(auditing.delegation_ended(d, now, reason=MAJORITY,
                                                         delegate_name=_name(repo.get_account(d.delegate_id))))
            code, expires_at = "", None
            if account.status == CREATED:
                # her own access: a new provisional code, as at creation (the notice carries it once)
                code, expires_at = new_provisional_code(), now + deps.policy.provisional_code_ttl
                repo.add_provisional_code(digest(code), account_id, expires_at)
            repo.add_notice(events.envelope(
                events.RAPPEL_CONSENT_PASSAGE_MAJO, account_id, events.MajorityReached(
                    provisional_code=code, provisional_code_expires_at=expires_at),
                occurred_at=now, event_id=_event_id("majority", account_id)))
            # the representatives in force are told; an invitee who never answered was never one
            for d in before:
                if d.state == ACCEPTED and d.delegation_id in ended_ids:
                    repo.add_notice(events.envelope(
                        "RAPPEL_CONSENT_RL_PASSAGE_MAJO", d.delegate_id,
                        events.ActorNotice(actor_display=account.given_name), occurred_at=now,
                        event_id=_event_id("majority", account_id, d.delegate_id)))
            _links_changed(repo, account_id, now)
    return len(claimed)


# ---- caregivings: the end date, its reminder, five years unused ----
def end_caregivings(deps: Dependencies) -> int:
    now = deps.now()
    with deps.unit_of_work() as repo:
        due = repo.claim_caregivings(limit=BATCH, ending_by=now)
        ended = repo.change_delegations([d.delegation_id for d in due], from_states=(ACCEPTED,), state=EXPIRED,
                                        ended_reason=END_DATE, ended_at_end_date=True)
        for d in ended:
            _caregiving_ended(repo, d, now, END_DATE)
    return len(due)


def remind_caregivings(deps: Dependencies) -> int:
    now = deps.now()
    with deps.unit_of_work() as repo:
        due = repo.claim_caregivings(limit=BATCH, reminder_window=(now, now + REMINDER_AHEAD))
        reminded = repo.change_delegations([d.delegation_id for d in due], from_states=(ACCEPTED,),
                                           not_reminded=True, end_reminded_at=now)
        for d in reminded:
            assert d.ends_at is not None, "claimed with an end date"
            _both_told(repo, d, "RAPPEL_FIN_PARTAGE_PROFIL", now, d.ends_at.isoformat())
    return len(due)


def end_unused_caregivings(deps: Dependencies) -> int:
    now = deps.now()
    since = _years_before(now, UNUSED_YEARS)
    with deps.unit_of_work() as repo:
        due = repo.claim_caregivings(limit=BATCH, unused_since=since, now=now)
        ended = repo.change_delegations([d.delegation_id for d in due], from_states=(ACCEPTED,), state=ENDED,
                                        ended_reason=UNUSED, ended_at=now)
        for d in ended:
            _caregiving_ended(repo, d, now, UNUSED)
    return len(due)


def _caregiving_ended(repo, ended: Delegation, now: datetime, reason: str) -> None:
    delegate = repo.get_account(ended.delegate_id)
    repo.add_audit(auditing.delegation_ended(ended, now, reason=reason, delegate_name=_name(delegate)))
    _both_told(repo, ended, "FIN_PARTAGE_PROFIL", now)
    attestations.record(repo, ended, attestations.ENDED, now)
    _links_changed(repo, ended.delegator_id, now)


def _both_told(repo, d: Delegation, code: str, now: datetime, *key: str) -> None:
    """The person helped on her profile (naming the caregiver), the caregiver on hers (naming her)."""
    helped, caregiver = repo.get_account(d.delegator_id), repo.get_account(d.delegate_id)
    for shown_on, other in ((d.delegator_id, caregiver), (d.delegate_id, helped)):
        repo.add_notice(events.envelope(code, shown_on, events.ActorNotice(actor_display=_name(other)),
                                        occurred_at=now, event_id=_event_id(code, d.delegation_id, shown_on, *key)))


def _years_before(moment: datetime, years: int) -> datetime:
    day: date = years_before(moment.date(), years)
    return moment.replace(year=day.year, month=day.month, day=day.day)
