"""Account events for the notifications service, written to identity's outbox with the change.

Each carries a snapshot of what notifications needs to reach the person (names, email, postal
address, activated, minor and who reads a minor's notices), as of the change: notifications keeps
the newest snapshot per account, so events relayed late or twice never undo a newer one.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from meskit import events
from meskit.events import ACCOUNT_ACTIVATED, ACCOUNT_CREATED, CONTACT_CHANGED, PROFILE_LINKS_CHANGED, Envelope

from identity.domain.models import ACTIVE, CLOSED, Account

ACCOUNT_EVENTS = (ACCOUNT_CREATED, ACCOUNT_ACTIVATED, CONTACT_CHANGED)
PARIS = ZoneInfo("Europe/Paris")
OPPOSITION_PERIOD = timedelta(weeks=6)   # DOMAIN.md §4.1: created for good 6 weeks after the letter


def recipient(account: Account, as_of: datetime) -> events.Recipient:
    adult = adult_on(account.birth_date)
    minor = as_of.astimezone(PARIS).date() < adult     # birthdays are French ones
    # the delegations in force (the insurer's representative is one too); an adult has none any more
    representatives = account.legal_representative_ids
    return events.Recipient(
        account_id=account.account_id, given_name=account.given_name, family_name=account.family_name,
        email=account.email or "", postal_address=account.postal_address or "", activated=account.status == ACTIVE,
        minor=minor, legal_representative_ids=representatives if minor else (),
        caregiver_ids=account.caregiver_ids,
        closed=account.status == CLOSED, adult_on=adult, as_of=as_of)


def adult_on(birth: date) -> date:
    """The 18th birthday (1 March for someone born on 29 February, in a common year)."""
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return date(birth.year + 18, 3, 1)


def created(account: Account, now: datetime, provisional_code: str, code_expires_at: datetime) -> Envelope:
    """The opt-out creation notice: the code to activate with, and until when one may oppose."""
    return events.envelope(ACCOUNT_CREATED, account.account_id, events.AccountCreated(
        provisional_code=provisional_code, provisional_code_expires_at=code_expires_at,
        opposition_deadline=now + OPPOSITION_PERIOD), occurred_at=now, recipient=recipient(account, now))


def changed(event_type: str, account: Account, now: datetime) -> Envelope:
    return events.envelope(event_type, account.account_id, events.AccountChanged(), occurred_at=now,
                           recipient=recipient(account, now))


def links_changed(account: Account, now: datetime) -> Envelope:
    """Who acts for the person changed (a delegation accepted, revoked or ended): the bell's family views follow."""
    return changed(PROFILE_LINKS_CHANGED, account, now)
