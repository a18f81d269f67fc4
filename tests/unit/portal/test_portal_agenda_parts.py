"""The agenda's and the profile's form checks and the measurement chart (pure functions)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from portal.pages import agenda_forms as af
from portal.pages import profile_forms as pf

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


def test_an_appointment_in_paris_time_is_sent_in_utc():
    form = af.appointment_form({"type": "APPOINTMENT_TYPE_PRACTITIONER", "nom": "Dr Bernard", "jour": "3",
                                "mois": "7", "annee": "2027", "heure": "10h30"})
    assert form.valid and form.clean["startTime"] == "2027-07-03T08:30:00Z"
    assert af.french_moment(form.clean["startTime"]) == "3 juillet 2027 à 10 h 30"


def test_a_date_that_does_not_exist_and_a_bad_time_are_said_next_to_their_fields():
    form = af.appointment_form({"type": "APPOINTMENT_TYPE_PRACTITIONER", "nom": "Dr Bernard", "jour": "30",
                                "mois": "2", "annee": "2027", "heure": "25:00", "titre": "x" * 101})
    assert set(form.errors) == {"jour", "heure", "titre"} and "vraie date" in form.errors["jour"]
    assert form.values["titre"] == "x" * 101


def test_a_reminder_in_the_past_is_refused():
    form = af.reminder_form({"titre": "Dentiste", "jour": "1", "mois": "1", "annee": "2020", "heure": "9:00"}, NOW)
    assert "dans le futur" in form.errors["jour"]
    ok = af.reminder_form({"titre": "Dentiste", "jour": "1", "mois": "1", "annee": "2027", "heure": "9:00"}, NOW)
    assert ok.valid and ok.clean["remindAt"] == "2027-01-01T08:00:00Z"


def test_done_with_a_date_in_the_future_or_a_date_when_not_done():
    assert "passé" in af.done_form({"reponse": "fait", "jour": "1", "mois": "1", "annee": "2030"},
                                   date(2026, 12, 2)).errors["jour"]
    assert "jour" in af.done_form({"reponse": "pas-fait", "jour": "1", "mois": "1", "annee": "2026"},
                                  date(2026, 12, 2)).errors
    assert af.done_form({"reponse": "effacer"}, date(2026, 12, 2)).clean == {"clear": True}


def test_measurement_ranges_and_blood_pressure_order():
    form = pf.measurement_form("WEIGHT", {"valeur": "900", "jour": "1", "mois": "12", "annee": "2026",
                                          "heure": "8:00"}, NOW)
    assert form.errors["valeur"] == "La valeur doit être entre 0,3 et 500 kg"
    pressure = pf.measurement_form("BLOOD_PRESSURE", {"systolique": "80", "diastolique": "90", "jour": "1",
                                                      "mois": "12", "annee": "2026", "heure": "8:00"}, NOW)
    assert "dépasser" in pressure.errors["systolique"]
    ok = pf.measurement_form("WEIGHT", {"valeur": "72,5", "jour": "1", "mois": "12", "annee": "2026",
                                        "heure": "8:00"}, NOW)
    assert ok.valid and ok.clean["metrics"] == [{"code": "WEIGHT", "value": 72.5, "unit": "kg"}]


def test_the_chart_is_chronological_and_inside_its_box():
    measurements = [{"effectiveTime": f"2026-0{m}-01T08:00:00Z", "code": "WEIGHT",
                     "metrics": [{"code": "WEIGHT", "value": v, "unit": "kg"}]} for m, v in ((3, 70), (1, 72), (2, 71))]
    chart = pf.chart(measurements)
    assert chart is not None and [p[2] for p in chart.points] == ["72", "71", "70"]
    assert all(60 <= x <= 580 and 20 <= y <= 220 for x, y, _ in chart.points)
    assert chart.first == "1 janvier 2026" and chart.last == "1 mars 2026"
    assert pf.chart([]) is None
