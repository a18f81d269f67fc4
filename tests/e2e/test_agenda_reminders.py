"""The calendar through the whole platform: an appointment the demo patient enters through the
gateway for tomorrow 10:00 is reminded once, by email (SMTP sink) and in the bell, at 09:00 Paris time
the day before, with agenda's clock moved across the last Sunday of October (the change to winter
time falls between the entry and its reminder). Her calendar feed, through the gateway without a
token, parses as iCalendar, shows the appointment, its SEQUENCE grows after an edit, and a
regenerated URL retires the old one."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest

from demo_login import EMAIL
from devtools.eventually import eventually
from devtools.smtp_sink import read_mails
from family import bell

PARIS = ZoneInfo("Europe/Paris")
REMINDER_SUBJECT = "Rendez-vous à venir"


def last_sunday_of_october_ahead() -> date:
    year = datetime.now(timezone.utc).year + 1
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@pytest.fixture
def patient(platform, patient_session, gateway):
    """The demo patient's client, her quiet hours off for the test (notifications uses the real time),
    agenda's clock given back at the end."""
    session, account = patient_session
    gateway.headers["authorization"] = f"Bearer {session['accessToken']}"
    path = f"/v1/accounts/{account['accountId']}/notification-preferences"
    before = gateway.get(path)
    assert before.status_code == 200, before.text
    quiet = {**before.json(), "quietHoursStart": "", "quietHoursEnd": ""}
    assert gateway.put(path, json={"preferences": quiet}).status_code == 200
    clock = platform.var_dir / "agenda-clock-offset"
    try:
        yield gateway, account["accountId"], clock
    finally:
        clock.write_text("0\n")
        gateway.put(path, json={"preferences": before.json()})


def move(clock, moment: datetime) -> None:
    clock.write_text(f"{(moment - datetime.now(timezone.utc)).total_seconds():.3f}\n")


def reminder_mails(mail_dir) -> list:
    return [m for m in read_mails(mail_dir) if EMAIL in m["To"] and m["Subject"] == REMINDER_SUBJECT]


def test_tomorrows_appointment_is_reminded_once_at_nine_the_day_before_across_the_october_change(platform, patient):
    client, patient_id, clock = patient
    mails = lambda: len(reminder_mails(platform.mail_dir))  # noqa: E731
    sunday = last_sunday_of_october_ahead()
    # agenda's "now": that Sunday 00:30, still summer time; the change to winter time comes at 03:00
    move(clock, datetime(sunday.year, sunday.month, sunday.day, 0, 30, tzinfo=PARIS))
    time.sleep(1.5)
    monday = sunday + timedelta(days=1)
    start = datetime(monday.year, monday.month, monday.day, 10, 0, tzinfo=PARIS)
    created = client.post(f"/v1/patients/{patient_id}/appointments", json={
        "type": "APPOINTMENT_TYPE_PRACTITIONER", "name": "Dr Paul Bernard", "title": "Contrôle tension",
        "startTime": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert created.status_code == 200, created.text
    appointment = created.json()
    mails_before, bell_before = mails(), len(bell(client, patient_id, "RAPPEL_RDV_USAGER"))

    nine = datetime(sunday.year, sunday.month, sunday.day, 9, 0, tzinfo=PARIS)
    assert nine.utcoffset() == timedelta(hours=1)              # winter time by then: 08:00 UTC
    move(clock, nine - timedelta(minutes=1))                  # 08:00 summer time would have been an hour ago
    time.sleep(3.0)
    assert (mails(), len(bell(client, patient_id, "RAPPEL_RDV_USAGER"))) == (mails_before, bell_before)
    move(clock, nine + timedelta(seconds=2))
    eventually(lambda: mails() > mails_before or None, timeout=30, what="the reminder's email")
    eventually(lambda: len(bell(client, patient_id, "RAPPEL_RDV_USAGER")) > bell_before or None, timeout=30,
               what="the reminder in the bell")
    time.sleep(3.0)
    assert (mails(), len(bell(client, patient_id, "RAPPEL_RDV_USAGER"))) == (mails_before + 1,
                                                                                      bell_before + 1)
    mail = reminder_mails(platform.mail_dir)[-1]
    assert "Contrôle tension" not in mail.as_string() and "Bernard" not in mail.as_string()

    # ---- the calendar feed ----
    subscribed = client.post(f"/v1/patients/{patient_id}/calendar-feed:regenerate", json={})
    assert subscribed.status_code == 200, subscribed.text
    token = subscribed.json()["feedToken"]

    def feed(feed_token: str):
        answer = httpx.get(f"{platform.gateway_url}/v1/calendar-feeds/{feed_token}", timeout=30)   # no token
        return answer, (icalendar.Calendar.from_ical(answer.content) if answer.status_code == 200 else None)
    answer, calendar = feed(token)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    uid = f"{appointment['appointmentId']}@agenda.monespacesante.fr"
    [event] = [e for e in calendar.walk("VEVENT") if str(e["uid"]) == uid]
    assert str(event["summary"]) == "Rendez-vous de santé" and event.decoded("dtstart") == start
    sequence = int(event["sequence"])
    edited = client.patch(f"/v1/patients/{patient_id}/appointments/{appointment['appointmentId']}",
                          json={"note": "Apporter le carnet"})
    assert edited.status_code == 200, edited.text
    [event] = [e for e in feed(token)[1].walk("VEVENT") if str(e["uid"]) == uid]
    assert int(event["sequence"]) == sequence + 1
    renewed = client.post(f"/v1/patients/{patient_id}/calendar-feed:regenerate", json={}).json()["feedToken"]
    assert feed(token)[0].status_code == 404
    assert feed(renewed)[0].status_code == 200


def test_bad_dates_through_the_gateway_are_precise_problems_and_change_nothing(platform, patient):
    client, patient_id, clock = patient
    path = f"/v1/patients/{patient_id}/appointments"
    before = client.get(path, params={"pageSize": "200"}).json().get("appointments", [])
    year = datetime.now(timezone.utc).year + 1
    for body, named in (({"type": "APPOINTMENT_TYPE_PRACTITIONER", "name": "Dr Paul Bernard",
                          "startTime": f"{year}-02-30T10:00:00Z"}, ("startTime", "start_time")),
                        ({"type": "APPOINTMENT_TYPE_PRACTITIONER", "name": "Dr Paul Bernard",
                          "startTime": f"{year}-03-02T10:00:00Z", "endTime": f"{year}-03-02T09:00:00Z"},
                         ("endTime", "end_time"))):
        answer = client.post(path, json=body)
        problem = answer.json()
        assert (answer.status_code, problem["code"]) == (400, "INVALID_ARGUMENT"), answer.text
        fields = {v["field"] for v in problem.get("violations", [])}
        assert fields & set(named) or any(n in problem["detail"] for n in named), answer.text
    assert client.get(path, params={"pageSize": "200"}).json().get("appointments", []) == before
    reminders = f"/v1/patients/{patient_id}/reminders"
    past = client.post(reminders, json={"title": "Trop tard", "remindAt": "2020-01-01T10:00:00Z"})
    assert (past.status_code, past.json().get("reason")) == (400, "REMINDER_IN_PAST"), past.text
