"""Account events for the notifications service, written to identity's outbox with the change.

Each carries a snapshot of what notifications needs to reach the person (names, email, postal
address, activated, minor and who reads a minor's notices), as of the change: notifications keeps
the newest snapshot per account, so events relayed late or twice never undo a newer one.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from identity.domain.models import ACTIVE, CLOSED, Account

ACCOUNT_CREATED, ACCOUNT_ACTIVATED, CONTACT_CHANGED = "ACCOUNT_CREATED", "ACCOUNT_ACTIVATED", "CONTACT_CHANGED"
ACCOUNT_EVENTS = (ACCOUNT_CREATED, ACCOUNT_ACTIVATED, CONTACT_CHANGED)
OPPOSITION_PERIOD = timedelta(weeks=6)   # DOMAIN.md §4.1: created for good 6 weeks after the letter


def recipient(account: Account, as_of: datetime) -> dict:
    adult = adult_on(account.birth_date)
    return {"account_id": account.account_id, "given_name": account.given_name,
            "family_name": account.family_name, "email": account.email or "",
            "postal_address": account.postal_address or "", "activated": account.status == ACTIVE,
            "minor": as_of.date() < adult,
            "legal_representative_ids": [account.legal_representative_account_id]
            if account.legal_representative_account_id else [],
            "closed": account.status == CLOSED, "adult_on": adult.isoformat(),
            "as_of": as_of.isoformat()}


def adult_on(birth: date) -> date:
    """The 18th birthday (1 March for someone born on 29 February, in a common year)."""
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return date(birth.year + 18, 3, 1)


def created(account: Account, now: datetime, provisional_code: str, code_expires_at: datetime) -> dict:
    """The opt-out creation notice: the code to activate with, and until when one may oppose."""
    return {"patient_id": account.account_id, "recipient": recipient(account, now),
            "provisional_code": provisional_code, "provisional_code_expires_at": code_expires_at.isoformat(),
            "opposition_deadline": (now + OPPOSITION_PERIOD).isoformat(), "occurred_at": now.isoformat()}


def changed(account: Account, now: datetime) -> dict:
    return {"patient_id": account.account_id, "recipient": recipient(account, now), "occurred_at": now.isoformat()}
