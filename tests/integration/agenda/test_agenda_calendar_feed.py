"""The calendar feed through gRPC, parsed with the icalendar library: the profile's appointments with
stable UIDs and a SEQUENCE that grows with each change, a cancelled one STATUS:CANCELLED, neutral
titles unless the person opted into details; her prevention items to plan, UIDs from their item ids;
a regenerated token makes the old one NOT_FOUND; no token is needed, and no other credential works."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import grpc
import icalendar
from mes.agenda.v1 import agenda_pb2 as pb

from agenda_harness import refused

PREVENTION = "prevention-"
START = datetime.now(timezone.utc).replace(microsecond=0, second=0) + timedelta(days=12)


def feed(astack, token: str) -> tuple[pb.CalendarFeedFile, icalendar.Calendar]:
    replies = list(astack.agenda.GetCalendarFeed(pb.GetCalendarFeedRequest(feed_token=token), timeout=10))
    data = b"".join(r.chunk for r in replies[1:])
    assert replies[0].metadata.size_bytes == len(data)
    return replies[0].metadata, icalendar.Calendar.from_ical(data)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    """The appointments' events."""
    return {str(e["uid"]): e for e in calendar.walk("VEVENT") if not str(e["uid"]).startswith(PREVENTION)}


def prevention_events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith(PREVENTION)}


def test_the_feed_shows_the_appointments_with_stable_uids_growing_sequences_and_neutral_titles(astack):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    kept = astack.new_appointment(mine, patient, START, title="Cardiologue", address="12 rue de Rivoli")
    cancelled = astack.new_appointment(mine, patient, START + timedelta(days=3), title="Psychiatre")
    subscription = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id="me"),
                                                        metadata=mine, timeout=10)
    assert subscription.feed_url.endswith(f"/v1/calendar-feeds/{subscription.feed_token}")
    meta, calendar = feed(astack, subscription.feed_token)
    assert (meta.content_type, meta.filename) == ("text/calendar; charset=utf-8", "agenda.ics")
    before = events(calendar)
    uid = f"{kept.appointment_id}@agenda.monespacesante.fr"
    assert set(before) == {uid, f"{cancelled.appointment_id}@agenda.monespacesante.fr"}
    assert {str(e["summary"]) for e in before.values()} == {"Rendez-vous de santé"}
    assert "Cardiologue" not in calendar.to_ical().decode() and "Rivoli" not in calendar.to_ical().decode()
    assert before[uid].decoded("dtstart") == START and int(before[uid]["sequence"]) == 0

    astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id=kept.appointment_id, start_time=kept.start_time, note="à jeun"),
        metadata=mine, timeout=10)
    astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id=cancelled.appointment_id, status=pb.APPOINTMENT_STATUS_CANCELLED),
        metadata=mine, timeout=10)
    after = events(feed(astack, subscription.feed_token)[1])
    assert int(after[uid]["sequence"]) == 1 and str(after[uid]["status"]) == "CONFIRMED"
    cancelled_uid = f"{cancelled.appointment_id}@agenda.monespacesante.fr"
    assert (int(after[cancelled_uid]["sequence"]), str(after[cancelled_uid]["status"])) == (1, "CANCELLED")


def test_a_regenerated_token_retires_the_old_url_and_details_show_only_when_asked(astack):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    astack.new_appointment(mine, patient, START, title="Ophtalmologue", address="5 place d'Italie")
    old = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id=patient),
                                               metadata=mine, timeout=10)
    new = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id=patient, show_details=True),
                                               metadata=mine, timeout=10)
    assert new.feed_token != old.feed_token and new.show_details
    refused(lambda: feed(astack, old.feed_token), grpc.StatusCode.NOT_FOUND, "FEED_NOT_FOUND")
    refused(lambda: feed(astack, "not-a-token"), grpc.StatusCode.NOT_FOUND, "FEED_NOT_FOUND")
    [event] = events(feed(astack, new.feed_token)[1]).values()
    assert (str(event["summary"]), str(event["location"])) == ("Ophtalmologue", "5 place d'Italie")


def test_only_the_profiles_own_side_may_make_its_feed(astack):
    patient, other = astack.new_patient(), astack.new_patient()
    refused(lambda: astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id=patient),
                                                         metadata=astack.patient(other), timeout=10),
            grpc.StatusCode.PERMISSION_DENIED, "PROFILE_ACCESS")


def test_a_legal_representatives_feed_works_and_a_closed_space_retires_its_feed(astack):
    parent = astack.new_patient()
    child = astack.new_patient(age=9, legal_representative=parent)
    theirs = astack.delegate(parent, child)
    astack.new_appointment(theirs, child, START)
    made = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id=child),
                                                metadata=theirs, timeout=10)
    assert len(events(feed(astack, made.feed_token)[1])) == 1

    closing = astack.new_activated_patient()
    mine = astack.patient(closing)
    astack.new_appointment(mine, closing, START)
    own = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id=closing),
                                               metadata=mine, timeout=10)
    assert len(events(feed(astack, own.feed_token)[1])) == 1
    astack.close_space(closing)
    refused(lambda: feed(astack, own.feed_token), grpc.StatusCode.NOT_FOUND, "FEED_NOT_FOUND")
    refused(lambda: astack.appointments(mine, closing), grpc.StatusCode.FAILED_PRECONDITION, "PROFILE_CLOSED")


def test_the_feed_shows_the_prevention_items_to_plan_with_stable_uids_and_neutral_titles(astack):
    patient = astack.born("1961-05-20")          # a woman in her sixties: screenings, dental, vaccinations
    mine = astack.patient(patient)
    to_plan = {i.item_id: i for i in astack.all_items(mine, upcoming_only=True,
                                                      statuses=[pb.PREVENTION_STATUS_TO_PLAN])}
    assert to_plan
    neutral = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id="me"),
                                                   metadata=mine, timeout=10)
    shown = prevention_events(feed(astack, neutral.feed_token)[1])
    assert set(shown) <= {f"{PREVENTION}{i}@agenda.monespacesante.fr" for i in to_plan}
    dental = next(i for i in to_plan.values() if i.code == "dental_adult_annual")
    uid = f"{PREVENTION}{dental.item_id}@agenda.monespacesante.fr"
    assert uid in shown and {str(e["summary"]) for e in shown.values()} == {"Prévention santé"}
    assert shown[uid].decoded("dtstart") == date.fromisoformat(dental.due_date)
    assert dental.title not in feed(astack, neutral.feed_token)[1].to_ical().decode()

    detailed = astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id="me",
                                                                                     show_details=True),
                                                    metadata=mine, timeout=10)
    again = prevention_events(feed(astack, detailed.feed_token)[1])
    assert set(again) == set(shown) and str(again[uid]["summary"]) == dental.title
    astack.mark(mine, patient, dental.item_id, done=True, execution_date=date.today().isoformat())
    assert uid not in prevention_events(feed(astack, detailed.feed_token)[1])      # done: nothing left to plan
