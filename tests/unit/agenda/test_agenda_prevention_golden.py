"""Golden cases of the prevention engine, worked out by hand from the rules of the data file
(DOMAIN §6.2): ages added to the birth date clamp to the month's end, windows are [start, end),
an occurrence exists only when its rule was valid on its start day, TO_PLAN when the window starts
before as_of + 12 months and has not ended."""
from __future__ import annotations

from datetime import date

import pytest

from agenda.domain import prevention, schedule_file
from agenda.domain.prevention import Mark

SCHEDULE = schedule_file.load()
D = date.fromisoformat
OPEN = None

# (birth, sex, item id, earliest = due, overdue = window end, latest)
WINDOWS = [
    # born on 29 February 2024 (F): P1M, P1Y… clamp to 28 February in common years
    ("2024-02-29", "F", "child_exam_01.1", "2024-02-29", "2024-03-08", "2024-03-08"),
    ("2024-02-29", "F", "child_exam_02.1", "2024-03-08", "2024-03-15", "2024-03-15"),
    ("2024-02-29", "F", "child_exam_03.1", "2024-03-29", "2024-04-29", "2024-04-29"),
    ("2024-02-29", "F", "child_exam_09.1", "2025-01-29", "2025-02-28", "2025-02-28"),
    ("2024-02-29", "F", "child_exam_10.1", "2025-02-28", "2025-03-29", "2025-03-29"),
    ("2024-02-29", "F", "child_exam_13.1", "2026-02-28", "2027-02-28", "2027-02-28"),
    ("2024-02-29", "F", "child_exam_17.1", "2030-02-28", "2031-02-28", "2031-02-28"),
    ("2024-02-29", "F", "child_exam_legacy_1m.1", "2024-03-15", "2024-03-29", "2024-03-29"),
    ("2024-02-29", "F", "vac_dtcap_hib_hepb.1", "2024-04-29", "2024-05-29", "2024-05-29"),
    ("2024-02-29", "F", "vac_dtcap_hib_hepb.3", "2025-01-29", "2025-02-28", "2025-02-28"),
    ("2024-02-29", "F", "vac_menb.3", "2025-02-28", "2025-03-29", "2026-02-28"),
    ("2024-02-29", "F", "vac_menacwy_infant.2", "2025-02-28", "2025-03-29", "2026-02-28"),
    ("2024-02-29", "F", "vac_ror.1", "2025-02-28", "2025-04-29", "2025-04-29"),
    ("2024-02-29", "F", "vac_ror.2", "2025-06-29", "2025-08-29", "2025-08-29"),
    ("2024-02-29", "F", "mt_dents_annual.1", "2027-02-28", "2028-02-29", "2028-02-29"),
    ("2024-02-29", "F", "screening_breast.1", "2074-02-28", "2076-02-29", "2076-02-29"),
    ("2024-02-29", "F", "screening_cervical_cytology.1", "2049-02-28", "2050-02-28", "2050-02-28"),
    ("2024-02-29", "F", "screening_cervical_cytology.3", "2053-02-28", "2054-02-28", "2054-02-28"),
    ("2024-02-29", "F", "screening_cervical_hpv.1", "2054-02-28", "2059-02-28", "2059-02-28"),
    ("2024-02-29", "F", "screening_cervical_hpv.8", "2089-02-28", "2090-02-28", "2090-02-28"),
    # born on 29 February 2000 (M)
    ("2000-02-29", "M", "screening_colorectal.1", "2050-02-28", "2052-02-29", "2052-02-29"),
    ("2000-02-29", "M", "screening_colorectal.13", "2074-02-28", "2075-02-28", "2075-02-28"),
    ("2000-02-29", "M", "mt_dents_triennial.1", "2003-02-28", "2004-02-29", "2004-02-29"),
    ("2000-02-29", "M", "mt_dents_triennial.8", "2024-02-29", "2025-02-28", "2025-02-28"),
    ("2000-02-29", "M", "dental_adult_annual.1", "2025-02-28", "2026-02-28", "2026-02-28"),
    ("2000-02-29", "M", "child_exam_legacy_1m.1", "2000-03-15", "2000-03-29", "2000-03-29"),
    ("2000-02-29", "M", "vac_ror_catchup_adult.1", "2018-02-28", OPEN, OPEN),
    ("2000-02-29", "M", "bilan_prevention_18_25.1", "2018-02-28", "2026-02-28", "2026-02-28"),
    ("2000-02-29", "M", "vac_dtcap_25.1", "2025-02-28", "2026-02-28", "2026-02-28"),
    # the end of M'T dents: the triennial rule ends on 2025-03-31, the annual one starts on 2025-04-01
    ("2001-06-15", "M", "mt_dents_triennial.7", "2022-06-15", "2023-06-15", "2023-06-15"),
    ("2001-06-15", "M", "mt_dents_annual.22", "2025-06-15", "2026-06-15", "2026-06-15"),
    ("2001-06-15", "M", "dental_adult_annual.1", "2026-06-15", "2027-06-15", "2027-06-15"),
    ("2001-03-31", "F", "mt_dents_triennial.8", "2025-03-31", "2026-03-31", "2026-03-31"),
    ("2001-04-01", "F", "mt_dents_annual.22", "2025-04-01", "2026-04-01", "2026-04-01"),
    ("2001-04-01", "F", "mt_dents_triennial.7", "2022-04-01", "2023-04-01", "2023-04-01"),
    ("2002-04-01", "M", "mt_dents_annual.21", "2025-04-01", "2026-04-01", "2026-04-01"),
    ("2002-04-01", "M", "mt_dents_annual.22", "2026-04-01", "2027-04-01", "2027-04-01"),
    # the 7th-year exam exists from 2025-01-01, the 1st-month one until 2024-12-31
    ("2019-01-01", "F", "child_exam_17.1", "2025-01-01", "2026-01-01", "2026-01-01"),
    ("2019-01-02", "M", "child_exam_17.1", "2025-01-02", "2026-01-02", "2026-01-02"),
    ("2024-12-16", "M", "child_exam_legacy_1m.1", "2024-12-31", "2025-01-16", "2025-01-16"),
    # 80 years old (F, born 1946-03-14)
    ("1946-03-14", "F", "dental_adult_annual.55", "2025-03-14", "2026-03-14", "2026-03-14"),
    ("1946-03-14", "F", "dental_adult_annual.56", "2026-03-14", "2027-03-14", "2027-03-14"),
    ("1946-03-14", "F", "glaucoma_screening.1", "1991-03-14", "1993-03-14", "1993-03-14"),
    ("1946-03-14", "F", "glaucoma_screening.18", "2025-03-14", "2027-03-14", "2027-03-14"),
    ("1946-03-14", "F", "glaucoma_screening.19", "2027-03-14", "2029-03-14", "2029-03-14"),
    ("1946-03-14", "F", "vac_dtp_65_plus.1", "2011-03-14", "2012-03-14", "2012-03-14"),
    ("1946-03-14", "F", "vac_dtp_65_plus.2", "2021-03-14", "2022-03-14", "2022-03-14"),
    ("1946-03-14", "F", "vac_dtp_65_plus.3", "2031-03-14", "2032-03-14", "2032-03-14"),
    ("1946-03-14", "F", "vac_flu.1", "2011-10-15", "2012-02-01", "2012-02-01"),
    ("1946-03-14", "F", "vac_flu.16", "2026-10-15", "2027-02-01", "2027-02-01"),
    ("1946-03-14", "F", "vac_covid.16", "2026-10-15", "2027-02-01", "2027-02-01"),
    ("1946-03-14", "F", "vac_zona.1", "2011-03-14", OPEN, OPEN),
    ("1946-03-14", "F", "vac_pneumo_65.1", "2011-03-14", OPEN, OPEN),
    ("1946-03-14", "F", "vac_rsv_senior.1", "2021-03-14", OPEN, OPEN),
    ("1946-03-14", "F", "screening_breast.13", "2020-03-14", "2021-03-14", "2021-03-14"),
    ("1946-03-14", "F", "bilan_prevention_70_75.1", "2016-03-14", "2022-03-14", "2022-03-14"),
    # the flu campaign of the 65th birthday counts only when it starts on or after it
    ("1961-10-15", "M", "vac_flu.1", "2026-10-15", "2027-02-01", "2027-02-01"),
    ("1961-10-16", "M", "vac_flu.1", "2027-10-15", "2028-02-01", "2028-02-01"),
    # a newborn (M, born 2026-11-20)
    ("2026-11-20", "M", "child_exam_02.1", "2026-11-28", "2026-12-05", "2026-12-05"),
    ("2026-11-20", "M", "child_exam_11.1", "2028-03-20", "2028-05-20", "2028-05-20"),
    ("2026-11-20", "M", "child_exam_12.1", "2028-10-20", "2028-12-20", "2028-12-20"),
    ("2026-11-20", "M", "vac_dtcap_hib_hepb.3", "2027-10-20", "2027-11-20", "2027-11-20"),
    ("2026-11-20", "M", "vac_pneumo_infant.2", "2027-03-20", "2027-04-20", "2027-04-20"),
    ("2026-11-20", "M", "vac_menb.1", "2027-02-20", "2027-03-20", "2028-11-20"),
    ("2026-11-20", "M", "vac_rotavirus.2", "2027-02-20", "2027-03-20", "2027-03-20"),
    ("2026-11-20", "M", "vac_rsv_infant.1", "2026-11-20", "2027-05-20", "2027-05-20"),
    ("2026-11-20", "M", "vac_hpv.2", "2038-05-20", "2038-11-20", "2041-11-20"),
    ("2026-11-20", "M", "vac_menacwy_ado.1", "2037-11-20", "2041-11-20", "2051-11-20"),
    # 17 years old (F, born 2009-01-10)
    ("2009-01-10", "F", "mt_dents_triennial.5", "2024-01-10", "2025-01-10", "2025-01-10"),
    ("2009-01-10", "F", "mt_dents_annual.15", "2026-01-10", "2027-01-10", "2027-01-10"),
    ("2009-01-10", "F", "vac_menacwy_ado.1", "2020-01-10", "2024-01-10", "2034-01-10"),
]

# (birth, sex, item id) that are not in the person's calendar
ABSENT = [
    ("2024-02-29", "F", "vac_menb.1"),                  # dose date 2024-05-29, before the rule (2025-01-01)
    ("2024-02-29", "F", "vac_menb.2"),
    ("2024-02-29", "F", "vac_menacwy_infant.1"),
    ("2024-02-29", "F", "mt_dents_triennial.1"),        # age 3 in 2027: the triennial rule has ended
    ("2000-02-29", "M", "screening_breast.1"),          # women only
    ("2000-02-29", "M", "screening_cervical_cytology.1"),
    ("2000-02-29", "M", "screening_cervical_hpv.1"),
    ("2000-02-29", "M", "mt_dents_annual.22"),          # age 24 on 2024-02-29, before 2025-04-01
    ("2000-02-29", "M", "child_exam_17.1"),             # 2006
    ("2000-02-29", "M", "vac_menb.1"),
    ("2001-06-15", "M", "mt_dents_triennial.8"),        # age 24 on 2025-06-15, after 2025-03-31
    ("2001-06-15", "M", "mt_dents_annual.21"),          # age 23 on 2024-06-15
    ("2001-03-31", "F", "mt_dents_annual.22"),          # 2025-03-31: still the triennial rule
    ("2001-04-01", "F", "mt_dents_triennial.8"),        # 2025-04-01: already the annual rule
    ("2018-12-31", "M", "child_exam_17.1"),             # 2024-12-31
    ("2024-12-17", "F", "child_exam_legacy_1m.1"),      # 2025-01-01
    ("2026-11-20", "M", "child_exam_legacy_1m.1"),
    ("1946-03-14", "F", "screening_breast.14"),         # 13 screenings from 50 to 74
    ("1946-03-14", "F", "vac_ror_catchup_adult.1"),     # born before 1980
    ("1946-03-14", "F", "vac_dtp_65_plus.7"),           # six boosters listed (65 to 115)
    ("2000-02-29", "M", "screening_colorectal.14"),
    ("2009-01-10", "F", "mt_dents_triennial.6"),        # 18 in 2027
    ("2009-01-10", "F", "mt_dents_annual.14"),          # 16 on 2025-01-10
    ("1979-12-31", "M", "vac_ror_catchup_adult.1"),
    ("1950-05-05", "", "screening_breast.1"),           # sex unknown: sex-specific items left out
    ("1950-05-05", "", "screening_cervical_hpv.1"),
]

# (birth, sex, as_of, item id, status)
STATUSES = [
    # window [2026-06-15, 2027-06-15): the day before / at / after 12 months ahead, then its end
    ("2001-06-15", "M", "2025-06-14", "dental_adult_annual.1", "NOT_SPECIFIED"),
    ("2001-06-15", "M", "2025-06-15", "dental_adult_annual.1", "NOT_SPECIFIED"),
    ("2001-06-15", "M", "2025-06-16", "dental_adult_annual.1", "TO_PLAN"),
    ("2001-06-15", "M", "2026-06-14", "dental_adult_annual.1", "TO_PLAN"),
    ("2001-06-15", "M", "2026-06-15", "dental_adult_annual.1", "TO_PLAN"),
    ("2001-06-15", "M", "2027-06-14", "dental_adult_annual.1", "TO_PLAN"),
    ("2001-06-15", "M", "2027-06-15", "dental_adult_annual.1", "NOT_SPECIFIED"),
    ("2001-06-15", "M", "2027-06-16", "dental_adult_annual.1", "NOT_SPECIFIED"),
    ("2001-06-15", "M", "2025-12-02", "mt_dents_annual.22", "TO_PLAN"),
    ("2001-06-15", "M", "2025-12-02", "mt_dents_triennial.7", "NOT_SPECIFIED"),
    ("2001-06-15", "M", "2025-12-02", "dental_adult_annual.1", "TO_PLAN"),
    ("2001-06-15", "M", "2025-12-02", "dental_adult_annual.2", "NOT_SPECIFIED"),
    # the 80-year-old on 2026-12-02
    ("1946-03-14", "F", "2026-12-02", "dental_adult_annual.55", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2026-12-02", "dental_adult_annual.56", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "dental_adult_annual.57", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "dental_adult_annual.58", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2026-12-02", "glaucoma_screening.18", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "glaucoma_screening.19", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "glaucoma_screening.20", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2026-12-02", "vac_dtp_65_plus.3", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2030-06-01", "vac_dtp_65_plus.3", "TO_PLAN"),
    ("1946-03-14", "F", "2032-03-14", "vac_dtp_65_plus.3", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2026-12-02", "vac_flu.15", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2026-12-02", "vac_flu.16", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "vac_flu.17", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "vac_covid.16", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "vac_zona.1", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "vac_pneumo_65.1", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "vac_rsv_senior.1", "TO_PLAN"),
    ("1946-03-14", "F", "2026-12-02", "screening_breast.13", "NOT_SPECIFIED"),
    ("1946-03-14", "F", "2026-12-02", "bilan_prevention_70_75.1", "NOT_SPECIFIED"),
    # the newborn on 2026-12-02
    ("2026-11-20", "M", "2026-12-02", "child_exam_01.1", "NOT_SPECIFIED"),
    ("2026-11-20", "M", "2026-12-02", "child_exam_02.1", "TO_PLAN"),
    ("2026-11-20", "M", "2026-12-02", "child_exam_03.1", "TO_PLAN"),
    ("2026-11-20", "M", "2026-12-02", "vac_dtcap_hib_hepb.1", "TO_PLAN"),
    ("2026-11-20", "M", "2026-12-02", "vac_dtcap_hib_hepb.3", "TO_PLAN"),
    ("2026-11-20", "M", "2026-12-02", "vac_rsv_infant.1", "TO_PLAN"),
    ("2026-11-20", "M", "2026-12-02", "child_exam_12.1", "NOT_SPECIFIED"),
    ("2026-11-20", "M", "2026-12-02", "child_exam_17.1", "NOT_SPECIFIED"),
    # 17 years old on 2026-12-02
    ("2009-01-10", "F", "2026-12-02", "child_exam_20.1", "NOT_SPECIFIED"),
    ("2009-01-10", "F", "2026-12-02", "mt_dents_annual.15", "TO_PLAN"),
    ("2009-01-10", "F", "2026-12-02", "mt_dents_annual.16", "TO_PLAN"),
    ("2009-01-10", "F", "2026-12-02", "vac_hpv_catchup.1", "TO_PLAN"),
    ("2009-01-10", "F", "2026-12-02", "vac_menb_young_adult.1", "TO_PLAN"),
    ("2009-01-10", "F", "2026-12-02", "bilan_prevention_18_25.1", "TO_PLAN"),
    ("2009-01-10", "F", "2026-12-02", "vac_menacwy_ado.1", "NOT_SPECIFIED"),
    # born on 29 February: the 13th-month exam [2025-02-28, 2025-03-29)
    ("2024-02-29", "F", "2024-02-28", "child_exam_10.1", "NOT_SPECIFIED"),
    ("2024-02-29", "F", "2024-02-29", "child_exam_10.1", "NOT_SPECIFIED"),   # + 12 months = 2025-02-28
    ("2024-02-29", "F", "2024-03-01", "child_exam_10.1", "TO_PLAN"),
    ("2024-02-29", "F", "2025-03-28", "child_exam_10.1", "TO_PLAN"),
    ("2024-02-29", "F", "2025-03-29", "child_exam_10.1", "NOT_SPECIFIED"),
]


@pytest.mark.parametrize("birth, sex, item_id, earliest, overdue, latest", WINDOWS)
def test_the_occurrence_has_its_four_dates(birth, sex, item_id, earliest, overdue, latest):
    found = {o.item_id: o for o in prevention.occurrences(SCHEDULE, D(birth), sex)}
    assert item_id in found
    o = found[item_id]
    assert (o.earliest, o.due, o.overdue, o.latest) == (
        D(earliest), D(earliest), overdue and D(overdue), latest and D(latest))


@pytest.mark.parametrize("birth, sex, item_id", ABSENT)
def test_the_occurrence_is_not_in_the_calendar(birth, sex, item_id):
    assert item_id not in {o.item_id for o in prevention.occurrences(SCHEDULE, D(birth), sex)}
    assert prevention.find(SCHEDULE, D(birth), sex, item_id) is None


@pytest.mark.parametrize("birth, sex, as_of, item_id, expected", STATUSES)
def test_the_computed_status(birth, sex, as_of, item_id, expected):
    items = {i.occurrence.item_id: i for i in prevention.calendar(SCHEDULE, D(birth), sex, D(as_of), {})}
    assert items[item_id].status == expected


@pytest.mark.parametrize("mark, expected", [(Mark(True, D("2026-01-05")), "DONE"), (Mark(True), "DONE"),
                                            (Mark(False), "NOT_DONE")])
def test_a_mark_wins_over_the_computed_status(mark, expected):
    items = {i.occurrence.item_id: i for i in prevention.calendar(
        SCHEDULE, D("1946-03-14"), "F", D("2026-12-02"), {"glaucoma_screening.18": mark})}
    assert items["glaucoma_screening.18"].status == expected
    assert items["glaucoma_screening.19"].status == "TO_PLAN"


def test_there_are_at_least_a_hundred_golden_cases():
    assert len(WINDOWS) + len(ABSENT) + len(STATUSES) >= 100


def test_the_lifetime_list_is_ordered_by_window_start_and_ids_are_unique():
    found = prevention.occurrences(SCHEDULE, D("1946-03-14"), "F")
    assert [o.start for o in found] == sorted(o.start for o in found)
    assert len({o.item_id for o in found}) == len(found)


def test_the_at_risk_item_says_so():
    bcg = prevention.find(SCHEDULE, D("2026-11-20"), "M", "vac_bcg.1")
    assert bcg is not None and bcg.rule.condition == "at_risk"


@pytest.mark.parametrize("item_id", ["nope.1", "vac_zona", "vac_zona.x", "vac_zona.2", ""])
def test_an_unknown_item_id_is_none(item_id):
    assert prevention.find(SCHEDULE, D("1946-03-14"), "F", item_id) is None
