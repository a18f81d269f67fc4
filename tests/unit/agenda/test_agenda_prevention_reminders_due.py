"""Which prevention reminders are due on a day (pure), from the rules by hand."""
from __future__ import annotations

from datetime import date

import pytest

from agenda.domain import prevention, prevention_reminders, schedule_file
from agenda.domain.prevention import Mark

SCHEDULE = schedule_file.load()
D = date.fromisoformat


def due_on(birth: str, sex: str, today: str, marks=None) -> set[tuple[str, str, str]]:
    found = prevention_reminders.due(prevention.occurrences(SCHEDULE, D(birth), sex), marks or {}, D(today))
    return {(d.occurrence.item_id, d.moment, d.event_type) for d in found}


@pytest.mark.parametrize("today, expected", [
    # 50th birthday on 2026-03-10: breast, colorectal, cervical HPV (every 5 y from 30) and dental open
    ("2026-03-10", {("screening_breast.1", "opening", "RAPPEL_RDV_PREV_DEPIST"),
                    ("screening_colorectal.1", "opening", "RAPPEL_RDV_PREV_DEPIST"),
                    ("screening_cervical_hpv.5", "opening", "RAPPEL_RDV_PREV_DEPIST"),
                    ("dental_adult_annual.26", "opening", "RAPPEL_RDV_PREV")}),
    ("2026-03-09", {("dental_adult_annual.25", "before_overdue", "RAPPEL_RDV_PREV"),     # their last month
                    ("screening_cervical_hpv.4", "before_overdue", "RAPPEL_RDV_PREV_DEPIST")}),
    ("2026-04-08", {("screening_breast.1", "opening", "RAPPEL_RDV_PREV_DEPIST"),       # 29 days: caught up
                    ("screening_colorectal.1", "opening", "RAPPEL_RDV_PREV_DEPIST"),
                    ("screening_cervical_hpv.5", "opening", "RAPPEL_RDV_PREV_DEPIST"),
                    ("dental_adult_annual.26", "opening", "RAPPEL_RDV_PREV")}),
    ("2026-04-09", set()),                                                               # 30 days: too late
    ("2027-02-10", {("dental_adult_annual.26", "before_overdue", "RAPPEL_RDV_PREV"),
                    ("glaucoma_screening.3", "before_overdue", "RAPPEL_RDV_PREV"),
                    ("bilan_prevention_45_50.1", "before_overdue", "RAPPEL_RDV_PREV")}),
    ("2028-02-10", {("screening_breast.1", "before_overdue", "RAPPEL_RDV_PREV_DEPIST"),
                    ("screening_colorectal.1", "before_overdue", "RAPPEL_RDV_PREV_DEPIST"),
                    ("dental_adult_annual.27", "before_overdue", "RAPPEL_RDV_PREV")}),
])
def test_openings_and_last_months(today, expected):
    assert due_on("1976-03-10", "F", today) == expected


def test_marked_items_are_not_reminded():
    marks = {"screening_breast.1": Mark(True), "screening_colorectal.1": Mark(False)}
    assert due_on("1976-03-10", "F", "2026-03-10", marks) == {
        ("screening_cervical_hpv.5", "opening", "RAPPEL_RDV_PREV_DEPIST"),
        ("dental_adult_annual.26", "opening", "RAPPEL_RDV_PREV")}


def test_a_newborn_s_short_windows_get_the_opening_only_and_at_risk_items_none():
    found = due_on("2026-11-30", "M", "2026-12-02")
    assert found == {("child_exam_01.1", "opening", "RAPPEL_RDV_PREV"),          # 8 days: no last-month notice
                     ("vac_rsv_infant.1", "opening", "RAPPEL_RDV_PREV_VACC"),
                     ("vac_hepb_catchup.1", "opening", "RAPPEL_RDV_PREV_VACC")}   # vac_bcg.1 (at risk): none


def test_event_ids_are_deterministic():
    one = prevention_reminders.event_id("p1", "vac_flu.16", "opening")
    assert one == prevention_reminders.event_id("p1", "vac_flu.16", "opening")
    assert one != prevention_reminders.event_id("p1", "vac_flu.16", "before_overdue")
