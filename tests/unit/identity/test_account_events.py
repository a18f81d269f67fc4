"""The contact snapshot identity sends notifications with each account event."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from meskit import events

from identity.domain import account_events
from identity.domain.models import ACTIVE, CREATED, Account

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def account(birth: date, **fields) -> Account:
    values = dict(account_id="acc-1", nir="2", vitale_serial="1", given_name="Léa", family_name="Martin",
                  birth_date=birth, sex="F", email=None, phone=None, postal_address="1 rue de la Paix, Paris",
                  status=CREATED, legal_representative_account_id=None, created_at=NOW, activated_at=None)
    return Account(**{**values, **fields})


@pytest.mark.parametrize("birth, adult_on, minor", [
    (date(2008, 11, 27), "2026-11-27", True),      # 18 tomorrow
    (date(2008, 11, 26), "2026-11-26", False),     # 18 today
    (date(2008, 2, 29), "2026-03-01", False),      # born on 29 February: 1 March in a common year
])
def test_minor_and_the_day_of_majority(birth, adult_on, minor):
    snapshot = account_events.recipient(account(birth), NOW)
    assert (snapshot.adult_on.isoformat(), snapshot.minor) == (adult_on, minor)


def test_the_creation_notice_carries_the_code_and_the_opposition_deadline_six_weeks_on():
    created = account_events.created(account(date(1950, 5, 2), legal_representative_account_id=None), NOW,
                                      "ABCDEF123456", datetime(2027, 2, 24, tzinfo=timezone.utc))
    row = events.outbox_row(created)["payload"]
    assert row["provisional_code"] == "ABCDEF123456"
    assert row["opposition_deadline"] == "2027-01-07T10:00:00+00:00"
    assert row["recipient"] == {
        "account_id": "acc-1", "given_name": "Léa", "family_name": "Martin", "email": "",
        "postal_address": "1 rue de la Paix, Paris", "activated": False, "minor": False,
        "legal_representative_ids": [], "caregiver_ids": [], "closed": False, "adult_on": "1968-05-02",
        "as_of": NOW.isoformat()}


def test_an_activated_minor_lists_her_legal_representative():
    snapshot = account_events.recipient(account(date(2015, 1, 1), status=ACTIVE, email="lea@example.fr",
                                                legal_representative_ids=("parent-1",)), NOW)
    assert (snapshot.activated, snapshot.email, snapshot.legal_representative_ids) == \
        (True, "lea@example.fr", ("parent-1",))
