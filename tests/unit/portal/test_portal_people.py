"""The dates typed on Mes proches (a birth date, a caregiving's end date)."""
from __future__ import annotations

from datetime import date, timedelta

from portal.pages.people import day_of


def typed(prefix: str, day: date) -> dict:
    return {f"{prefix}-jour": str(day.day), f"{prefix}-mois": str(day.month), f"{prefix}-annee": str(day.year)}


def test_a_birth_date_is_required_real_and_past():
    assert day_of({}, "naissance", past=True) == ("", "Saisissez la date de naissance de la personne")
    assert day_of({"naissance-jour": "31", "naissance-mois": "2", "naissance-annee": "1960"}, "naissance",
                  past=True)[1].startswith("Saisissez une vraie date")
    assert day_of(typed("naissance", date.today() + timedelta(days=1)), "naissance", past=True)[1] == \
        "La date de naissance doit être dans le passé"
    assert day_of(typed("naissance", date(1960, 3, 27)), "naissance", past=True) == ("1960-03-27", "")


def test_an_end_date_is_optional_after_today_and_within_ten_years():
    assert day_of({}, "fin", past=False) == ("", "")
    assert day_of(typed("fin", date.today()), "fin", past=False)[1] == "La date de fin doit être après aujourd’hui"
    assert day_of(typed("fin", date(date.today().year + 11, 1, 1)), "fin", past=False)[1] == \
        "La date de fin doit être dans moins de 10 ans"
    later = date.today() + timedelta(days=40)
    assert day_of(typed("fin", later), "fin", past=False) == (later.isoformat(), "")
