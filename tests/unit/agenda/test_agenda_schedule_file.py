"""The schedule data file: the shipped one loads; a malformed one is refused naming its line."""
from __future__ import annotations

import pytest

from agenda.domain import schedule_file
from agenda.domain.schedule_file import ScheduleFileError

GOOD_ITEM = '  - {id: a, label: "A", category: dental, age: {from: P25Y}, every: P1Y, sex: any, mandatory: false}\n'
HEAD = 'schedule_version: "t"\nhorizon: P120Y\nitems:\n'


def test_the_shipped_schedule_loads():
    loaded = schedule_file.load()
    assert loaded.version == "2025"
    assert {"child_exam_17", "child_exam_legacy_1m", "mt_dents_triennial", "mt_dents_annual",
            "screening_breast", "vac_flu"} <= {r.id for r in loaded.rules}
    assert len(loaded.rules) == len({r.id for r in loaded.rules})


@pytest.mark.parametrize("bad_line, message", [
    ('  - {id: b, label: "B", category: dental, age: {from: P25Y}, every: P1Y, sex: any, mandatory: false, colour: red}\n',
     "clé inconnue 'colour'"),
    ('  - {id: b, label: "B", category: dental, age: {from: P2.5Y}, every: P1Y, sex: any, mandatory: false}\n',
     "durée ISO 8601 invalide"),
    ('  - {id: b, label: "B", category: dental, age: {from: P25Y, to: P20Y}, recurrence: once, sex: any, mandatory: false}\n',
     "la fin de la fenêtre (to) doit suivre son début (from)"),
    ('  - {id: b, label: "B", category: dental, age: {from: P25Y}, recurrence: fortnightly, sex: any, mandatory: false}\n',
     "récurrence inconnue 'fortnightly'"),
    (GOOD_ITEM, "id 'a' en double (déjà ligne 4)"),
    ('  - {id: b, label: "B", category: teeth, age: {from: P25Y}, every: P1Y, sex: any, mandatory: false}\n',
     "catégorie inconnue 'teeth'"),
    ('  - {id: b, label: "B", category: dental, age: {from: P25Y}, every: P1Y, sex: X, mandatory: false}\n',
     "sexe inconnu 'X'"),
    ('  - {id: b, label: "B", category: dental, age: {from: P25Y}, every: P1Y, sex: any, mandatory: false, valid_from: "2025-13-01"}\n',
     "date AAAA-MM-JJ attendue"),
    ('  - {id: b, label: "B", category: dental, doses_at: [P2M, P1M], sex: any, mandatory: false}\n',
     "les âges doivent être croissants"),
    ('  - {id: b, label: "B", category: dental, age: {from: P1Y}, sex: any, mandatory: false}\n',
     "une récurrence et une seule"),
    ('  - {id: b, label: "B", category: dental, age: {from: P1Y}, season: {start: "02-30", end: "03-01"}, sex: any, mandatory: false}\n',
     "MM-JJ attendu"),
    ('  - {id: b, label: "B", category: dental, age: {from: P25Y}, every: P1Y, sex: any, mandatory: yes}\n',
     "true ou false attendu"),
])
def test_a_fault_stops_the_load_naming_its_line(bad_line, message):
    with pytest.raises(ScheduleFileError) as raised:
        schedule_file.parse(HEAD + GOOD_ITEM + bad_line, "ops.yaml")
    assert str(raised.value).startswith("ops.yaml, ligne 5 : ")
    assert message in str(raised.value)


def test_an_unknown_top_key_and_bad_yaml_are_named():
    with pytest.raises(ScheduleFileError, match=r"ligne 1 : calendrier : clé inconnue 'version'"):
        schedule_file.parse("version: 1\n" + HEAD + GOOD_ITEM)
    with pytest.raises(ScheduleFileError, match=r"ligne 5 : YAML illisible"):
        schedule_file.parse(HEAD + GOOD_ITEM + "  - {id: a, label: \"A\" oops}\n")


def test_an_operator_file_is_read_and_a_missing_one_refused(tmp_path):
    own = tmp_path / "schedule.yaml"
    own.write_text(HEAD + GOOD_ITEM, encoding="utf-8")
    assert [r.id for r in schedule_file.load(own).rules] == ["a"]
    with pytest.raises(ScheduleFileError, match="illisible"):
        schedule_file.load(tmp_path / "missing.yaml")
