"""What the patient's side sees of a record about a restricted resource (audit.domain.visibility)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from audit.domain.models import Entry, Personal, Restriction, StoredRecord
from audit.domain.visibility import PENDING_LABEL, HistoryViewer, shown_to

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
PERSONAL = Personal(patient_id="p1", actor_id="pro-1", rpps="10101234567", display_name="Dr Onco",
                    resource_id="doc-1", resource_label="Biopsie : carcinome", justification="urgence")
ENTRY = Entry(record_id="r1", occurred_at=NOW, actor_type="HEALTHCARE_PROFESSIONAL", action="CREATE",
              decision="ALLOWED", personal=PERSONAL, profession_code="10", group="MEDICAL_DOCUMENT",
              resource_type="document", rule="professional_deposit", access_mode="NORMAL", service="documents")
PATIENT, DELEGATE = HistoryViewer(delegate=False, now=NOW), HistoryViewer(delegate=True, now=NOW)


def stored(until: datetime | None = None, hidden_lr: bool = False) -> StoredRecord:
    restriction = Restriction("p1", "document", "doc-1", until, hidden_lr, NOW)
    return StoredRecord(ENTRY, 7, b"h" * 32, NOW, b"c" * 32, restriction=restriction)


def test_an_embargoed_record_keeps_date_action_and_leaf_and_loses_everything_naming():
    shown = shown_to(stored(until=NOW + timedelta(days=1)), PATIENT)
    e = shown.entry
    assert (e.occurred_at, e.action, e.decision, e.group, e.resource_type, e.record_id) == (
        NOW, "CREATE", "ALLOWED", "MEDICAL_DOCUMENT", "document", "r1")
    assert (shown.leaf_index, shown.leaf_hash) == (7, b"h" * 32)
    assert (e.actor_type, e.profession_code, e.rule, e.access_mode) == ("", "", "", "")
    assert e.personal == Personal(patient_id="p1", resource_label=PENDING_LABEL)


def test_after_the_lift_and_for_operators_the_record_is_whole():
    assert shown_to(stored(until=NOW), PATIENT).entry == ENTRY
    assert shown_to(stored(until=NOW + timedelta(days=1)), None).entry == ENTRY


def test_hidden_from_legal_representatives_reaches_the_patient_not_a_delegate():
    assert shown_to(stored(hidden_lr=True), PATIENT).entry == ENTRY
    assert shown_to(stored(hidden_lr=True), DELEGATE) is None
    assert shown_to(stored(until=NOW + timedelta(days=1)), DELEGATE).entry.personal.resource_label == PENDING_LABEL
