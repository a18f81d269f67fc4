"""Reminders through gRPC: at most 10 per (Paris) date, never in the past; notified once at their time in
the bell (RAPPEL_AGENDA, no title or note in it); moved or deleted before their time, told at the new
time or not at all."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import grpc
from mes.agenda.v1 import agenda_pb2 as pb

from agenda_harness import refused
from devtools.eventually import eventually
from meskit.timestamps import timestamp

PARIS_NOON_IN_10_DAYS = (datetime.now(timezone.utc) + timedelta(days=10)).replace(hour=11, minute=0, second=0,
                                                                                   microsecond=0)


def test_an_eleventh_reminder_on_one_date_and_one_in_the_past_are_refused(astack):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    day = PARIS_NOON_IN_10_DAYS
    for n in range(10):
        astack.new_reminder(mine, patient, day + timedelta(minutes=n), title=f"Rappel {n}")
    refused(lambda: astack.new_reminder(mine, patient, day + timedelta(hours=5)), grpc.StatusCode.FAILED_PRECONDITION,
            "REMINDERS_PER_DATE")
    refused(lambda: astack.new_reminder(mine, patient, datetime.now(timezone.utc) - timedelta(minutes=5)),
            grpc.StatusCode.INVALID_ARGUMENT, "REMINDER_IN_PAST")
    refused(lambda: astack.new_reminder(mine, patient, day + timedelta(days=1), title="t" * 101),
            grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: astack.new_reminder(mine, patient, day + timedelta(days=1), title=""),
            grpc.StatusCode.INVALID_ARGUMENT, "")
    # the next day has room; moving one there then back onto the full date is refused
    other = astack.new_reminder(mine, patient, day + timedelta(days=1))
    refused(lambda: astack.agenda.UpdateReminder(pb.UpdateReminderRequest(
        patient_id=patient, reminder_id=other.reminder_id, remind_at=timestamp(day + timedelta(hours=2))),
        metadata=mine, timeout=10), grpc.StatusCode.FAILED_PRECONDITION, "REMINDERS_PER_DATE")
    refused(lambda: astack.agenda.GetReminder(pb.GetReminderRequest(patient_id=patient, reminder_id="nope"),
                                              metadata=mine, timeout=10), grpc.StatusCode.NOT_FOUND, "REMINDER_NOT_FOUND")
    listed = astack.reminders(mine, patient)
    assert len(listed) == 11 and listed[-1] == other
    assert [r.title for r in listed[:10]] == [f"Rappel {n}" for n in range(10)]


def test_a_reminder_is_told_once_in_the_bell_at_its_time_and_a_deleted_one_never(astack, clock):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    at = PARIS_NOON_IN_10_DAYS
    kept = astack.new_reminder(mine, patient, at, title="Renouveler l'ordonnance", note="pharmacie")
    dropped = astack.new_reminder(mine, patient, at + timedelta(minutes=1))
    astack.agenda.DeleteReminder(pb.DeleteReminderRequest(patient_id=patient, reminder_id=dropped.reminder_id),
                                 metadata=mine, timeout=10)
    clock(at - timedelta(seconds=30))
    time.sleep(1.0)
    assert astack.bell(patient, "RAPPEL_AGENDA") == []
    clock(at + timedelta(minutes=2))
    [told] = astack.bell_settles(patient, "RAPPEL_AGENDA", 1)
    assert "Renouveler" not in str(told) and "pharmacie" not in str(told)
    notified = eventually(lambda: astack.agenda.GetReminder(pb.GetReminderRequest(
        patient_id=patient, reminder_id=kept.reminder_id), metadata=mine, timeout=10).notified_at.seconds or None,
        what="notified_at set")
    assert notified >= int(at.timestamp())
    time.sleep(1.0)
    assert len(astack.bell(patient, "RAPPEL_AGENDA")) == 1


def test_a_reminder_missed_for_long_is_dropped_with_a_state_not_sent(astack, clock):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    late = astack.new_reminder(mine, patient, PARIS_NOON_IN_10_DAYS)
    clock(PARIS_NOON_IN_10_DAYS + timedelta(days=2))
    eventually(lambda: astack.notice_state("reminders", late.reminder_id) == "dropped" or None, what="dropped")
    assert astack.bell(patient, "RAPPEL_AGENDA") == []
