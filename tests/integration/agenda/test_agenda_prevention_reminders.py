"""Prevention reminders through the real notifications: a woman who turned 50 ten days ago is told
in her bell of the screenings and the dental exam whose windows opened, once each although two
replicas run the pass and her check comes round again; the screening she marked is not told."""
from __future__ import annotations

import time
from datetime import date, timedelta

from agenda_harness import AgendaStack
from devtools.eventually import eventually


def bells(stack: AgendaStack, patient_id: str) -> dict[str, int]:
    return {t: len(stack.bell(patient_id, t)) for t in ("RAPPEL_RDV_PREV", "RAPPEL_RDV_PREV_VACC",
                                                        "RAPPEL_RDV_PREV_DEPIST")}


def test_each_opening_is_told_once_with_two_replicas_and_marked_items_are_not(astack):
    today = date.today()
    birth = today.replace(year=today.year - 50) - timedelta(days=10)
    woman = astack.born(birth.isoformat())
    me = astack.patient(woman)
    astack.items(me)                                                        # the agenda knows her from now on
    astack.mark(me, woman, "screening_colorectal.1", done=False)
    stops = [astack.start_agenda_replica(prevention_interval=0.2) for _ in range(2)]
    try:
        expected = {"RAPPEL_RDV_PREV": 1, "RAPPEL_RDV_PREV_VACC": 0, "RAPPEL_RDV_PREV_DEPIST": 2}
        eventually(lambda: bells(astack, woman) == expected or None, what="the reminders in her bell")
        told = {(r.item_id, r.moment) for r in astack.sql(
            "SELECT item_id, moment FROM prevention_reminders_sent WHERE patient_id = :p", p=woman)}
        assert told == {("dental_adult_annual.26", "opening"), ("screening_breast.1", "opening"),
                        ("screening_cervical_hpv.5", "opening")}
        astack.sql("UPDATE prevention_people SET next_check_on = :d WHERE patient_id = :p", d=today, p=woman)
        eventually(lambda: astack.sql("SELECT next_check_on FROM prevention_people WHERE patient_id = :p",
                                      p=woman)[0][0] > today or None, what="her check came round again")
        time.sleep(0.5)                                                     # the relay's poll
        assert bells(astack, woman) == expected
        [(in_outbox,)] = astack.sql("SELECT count(*) FROM outbox WHERE aggregate_id = :p AND event_type LIKE "
                                    "'RAPPEL_RDV_PREV%'", p=woman)
        assert in_outbox == 3
    finally:
        for stop in stops:
            stop()
