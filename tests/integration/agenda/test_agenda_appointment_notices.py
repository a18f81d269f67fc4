"""An appointment's reminder, told once in the bell (RAPPEL_RDV_USAGER, nothing of the appointment in it)
the day before at 09:00 Paris time, across both daylight-saving changes; moved with the appointment,
dropped when it is cancelled; missed while agenda was down, sent while the appointment is ahead and
dropped with a state once it has begun. A delegate's changes and reads reach audit."""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import grpc
import pytest
from mes.agenda.v1 import agenda_pb2 as pb
from mes.audit.v1 import audit_pb2 as apb

from agenda_harness import refused
from devtools.eventually import eventually
from meskit.timestamps import timestamp

PARIS = ZoneInfo("Europe/Paris")


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def next_change(month: int) -> date:
    today = datetime.now(timezone.utc).date()
    found = last_sunday(today.year, month)
    return found if found > today + timedelta(days=1) else last_sunday(today.year + 1, month)


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(timezone.utc)


@pytest.mark.parametrize("month", [3, 10], ids=["last-sunday-of-march", "last-sunday-of-october"])
def test_the_reminder_comes_once_the_day_before_at_nine_paris_time_across_dst(astack, clock, month):
    change = next_change(month)
    patient = astack.new_patient()
    mine = astack.patient(patient)
    # the appointment on the Monday after the change, the reminder on the Sunday of the change
    astack.new_appointment(mine, patient, paris(change + timedelta(days=1), 10), title="Dentiste")
    nine = paris(change, 9)
    assert nine.hour == (7 if month == 3 else 8)       # summer time from that Sunday in March, winter in October
    clock(nine - timedelta(seconds=20))
    time.sleep(1.0)
    assert astack.bell(patient, "RAPPEL_RDV_USAGER") == []
    clock(nine + timedelta(seconds=1))
    [told] = astack.bell_settles(patient, "RAPPEL_RDV_USAGER", 1)
    assert "Dentiste" not in str(told)
    time.sleep(1.0)
    assert len(astack.bell(patient, "RAPPEL_RDV_USAGER")) == 1


def test_the_persons_chosen_time_replaces_nine_and_a_malformed_one_is_refused(astack, clock):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    day = datetime.now(timezone.utc).date() + timedelta(days=15)
    refused(lambda: astack.new_appointment(mine, patient, paris(day, 10), reminder_time="25:00"),
            grpc.StatusCode.INVALID_ARGUMENT, "")
    made = astack.new_appointment(mine, patient, paris(day, 10), reminder_time="18:30")
    assert made.reminder_time == "18:30"
    clock(paris(day - timedelta(days=1), 9, 1))
    time.sleep(1.0)
    assert astack.bell(patient, "RAPPEL_RDV_USAGER") == []
    clock(paris(day - timedelta(days=1), 18, 31))
    assert len(astack.bell_settles(patient, "RAPPEL_RDV_USAGER", 1)) == 1


def test_a_moved_appointment_is_reminded_at_its_new_time_and_a_cancelled_one_not_at_all(astack, clock):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    first = datetime.now(timezone.utc).date() + timedelta(days=20)
    moved = astack.new_appointment(mine, patient, paris(first, 15))
    cancelled = astack.new_appointment(mine, patient, paris(first, 16))
    astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id=moved.appointment_id, start_time=timestamp(paris(first + timedelta(days=5), 15))),
        metadata=mine, timeout=10)
    astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id=cancelled.appointment_id, status=pb.APPOINTMENT_STATUS_CANCELLED),
        metadata=mine, timeout=10)
    clock(paris(first - timedelta(days=1), 9, 1))
    time.sleep(1.0)
    assert astack.bell(patient, "RAPPEL_RDV_USAGER") == []
    assert astack.notice_state("appointments", cancelled.appointment_id) == "none"
    clock(paris(first + timedelta(days=4), 9, 1))
    assert len(astack.bell_settles(patient, "RAPPEL_RDV_USAGER", 1)) == 1


def test_missed_reminders_are_sent_while_useful_and_dropped_once_the_appointment_began(astack, clock, caplog):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    day = datetime.now(timezone.utc).date() + timedelta(days=30)
    useful = astack.new_appointment(mine, patient, paris(day, 18), title="Gynécologue", note="résultats")
    past = astack.new_appointment(mine, patient, paris(day, 8), title="Gynécologue", note="résultats")
    caplog.set_level(logging.INFO, logger="agenda.scheduler")
    astack.stop("agenda")
    try:
        clock(paris(day, 12))          # agenda was down from before 09:00 the day before until noon that day
    finally:
        astack.start("agenda")
    eventually(lambda: astack.notice_state("appointments", past.appointment_id) == "dropped" or None, what="dropped")
    assert astack.notice_state("appointments", useful.appointment_id) == "sent"
    assert len(astack.bell_settles(patient, "RAPPEL_RDV_USAGER", 1)) == 1
    [trace] = [r for r in caplog.records if getattr(r, "appointment_id", "") == past.appointment_id]
    assert "dropped" in trace.getMessage()
    assert not [r for r in caplog.records if "Gynécologue" in str(r.__dict__) or "résultats" in str(r.__dict__)]


def test_a_legal_representatives_changes_and_reads_are_audited_without_content(astack):
    parent = astack.new_patient()
    child = astack.new_patient(age=8, legal_representative=parent)
    theirs = astack.delegate(parent, child)
    made = astack.new_appointment(theirs, child, paris(datetime.now(timezone.utc).date() + timedelta(days=9), 10),
                                  title="Pédiatre", note="vaccins")
    assert made.author_id == parent and made.patient_id == child
    refused(lambda: astack.appointments(astack.delegate(parent, child, scopes=("messages",)), child),
            grpc.StatusCode.PERMISSION_DENIED, "DELEGATION_SCOPE")
    astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(patient_id=child, appointment_id=made.appointment_id,
                                                                note="rappel"), metadata=theirs, timeout=10)
    astack.appointments(theirs, child)
    astack.appointments(astack.patient(child), child)      # the child's own read: not a delegate's
    records = eventually(lambda: (lambda found: found if len(found) >= 3 else None)(
        [r for r in astack.records(child) if r.service == "agenda"]), timeout=20, what="agenda's records")
    assert sorted(r.action for r in records) == sorted([apb.ACTION_CREATE, apb.ACTION_UPDATE, apb.ACTION_LIST])
    for r in records:
        assert r.actor.id == parent and r.decision == apb.DECISION_ALLOWED
        assert "Pédiatre" not in str(r) and "vaccins" not in str(r)
