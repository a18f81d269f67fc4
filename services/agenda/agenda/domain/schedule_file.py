"""Reads and checks the prevention schedule data file; any fault names its line (ScheduleFileError).

YAML is composed into nodes (not loaded) so that every key and value keeps its line number.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from agenda.domain import durations, schedule
from agenda.domain.durations import Age
from agenda.domain.schedule import Rule, Schedule

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "prevention_schedule.yaml"
TOP_KEYS = {"schedule_version", "horizon", "items"}
ITEM_KEYS = {"id", "label", "category", "type", "sex", "mandatory", "age", "recurrence", "every", "ages_years",
             "window", "doses_at", "dose_window", "season", "catch_up_until", "valid_from", "valid_until",
             "born_from", "condition"}
RECURRENCE_KEYS = ("recurrence", "every", "ages_years", "doses_at", "season")
DEFAULT_WINDOW = {schedule.AGES_YEARS: Age(12, 0), schedule.DOSES_AT: Age(1, 0)}
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MONTH_DAY = re.compile(r"(\d\d)-(\d\d)")


class ScheduleFileError(ValueError):
    pass


class _Reader:
    def __init__(self, name: str):
        self.name = name

    def fail(self, node: yaml.Node, message: str) -> ScheduleFileError:
        return ScheduleFileError(f"{self.name}, ligne {node.start_mark.line + 1} : {message}")

    def mapping(self, node: yaml.Node, allowed: set[str], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} : un dictionnaire est attendu")
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.value not in allowed:
                raise self.fail(key, f"{what} : clé inconnue {getattr(key, 'value', key)!r}")
            if key.value in found:
                raise self.fail(key, f"{what} : clé en double {key.value!r}")
            found[key.value] = (key, value)
        return found

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
            raise self.fail(node, f"{what} : un texte non vide est attendu")
        return node.value

    def age(self, node: yaml.Node, what: str) -> Age:
        try:
            return durations.parse(self.text(node, what))
        except ValueError as exc:
            raise self.fail(node, f"{what} : {exc}") from None

    def day(self, node: yaml.Node, what: str) -> date:
        try:
            return date.fromisoformat(self.text(node, what))
        except ValueError:
            raise self.fail(node, f"{what} : date AAAA-MM-JJ attendue, pas {node.value!r}") from None

    def boolean(self, node: yaml.Node, what: str) -> bool:
        if not isinstance(node, yaml.ScalarNode) or node.value not in ("true", "false"):
            raise self.fail(node, f"{what} : true ou false attendu")
        return node.value == "true"

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} : une liste non vide est attendue")
        return node.value

    def month_day(self, node: yaml.Node, what: str) -> tuple[int, int]:
        match = _MONTH_DAY.fullmatch(self.text(node, what))
        try:
            if match is None:
                raise ValueError
            month, day = int(match.group(1)), int(match.group(2))
            date(2001, month, day)  # a day of every year (29 February is refused)
        except ValueError:
            raise self.fail(node, f"{what} : MM-JJ attendu, pas {node.value!r}") from None
        return month, day

    def rule(self, node: yaml.Node) -> Rule:
        f = self.mapping(node, ITEM_KEYS, "élément")
        for required in ("id", "label", "category", "sex", "mandatory"):
            if required not in f:
                raise self.fail(node, f"élément : clé {required!r} manquante")
        rule_id = self.text(f["id"][1], "id")
        if not _ID.fullmatch(rule_id):
            raise self.fail(f["id"][1], f"id {rule_id!r} : minuscules, chiffres et _ seulement")
        what = f"élément {rule_id}"
        category = self.text(f["category"][1], f"{what}, category")
        if category not in schedule.TYPE_OF_CATEGORY:
            raise self.fail(f["category"][1], f"{what} : catégorie inconnue {category!r}")
        kind_type = self.text(f["type"][1], f"{what}, type") if "type" in f else schedule.TYPE_OF_CATEGORY[category]
        if kind_type not in schedule.TYPES:
            raise self.fail(f["type"][1], f"{what} : type inconnu {kind_type!r}")
        sex = self.text(f["sex"][1], f"{what}, sex")
        if sex not in (schedule.ANY, schedule.FEMALE, schedule.MALE):
            raise self.fail(f["sex"][1], f"{what} : sexe inconnu {sex!r} (any, F ou M)")
        values: dict = {"id": rule_id, "label": self.text(f["label"][1], f"{what}, label"), "category": category,
                        "type": kind_type, "sex": sex, "mandatory": self.boolean(f["mandatory"][1], f"{what}, mandatory")}
        values.update(self._recurrence(node, f, what))
        for key in ("valid_from", "valid_until", "born_from"):
            if key in f:
                values[key] = self.day(f[key][1], f"{what}, {key}")
        if values.get("valid_from") and values.get("valid_until") and values["valid_until"] < values["valid_from"]:
            raise self.fail(f["valid_until"][1], f"{what} : valid_until avant valid_from")
        if "catch_up_until" in f:
            values["catch_up_until"] = self.age(f["catch_up_until"][1], f"{what}, catch_up_until")
        if "condition" in f:
            values["condition"] = self.text(f["condition"][1], f"{what}, condition")
        return Rule(**values)

    def _recurrence(self, node: yaml.Node, f: dict, what: str) -> dict:
        given = [k for k in RECURRENCE_KEYS if k in f]
        if len(given) != 1:
            raise self.fail(node, f"{what} : une récurrence et une seule parmi {', '.join(RECURRENCE_KEYS)}")
        key = given[0]
        values: dict = {}
        if "age" in f:
            age = self.mapping(f["age"][1], {"from", "to"}, f"{what}, age")
            if "from" not in age:
                raise self.fail(f["age"][1], f"{what}, age : clé 'from' manquante")
            values["age_from"] = self.age(age["from"][1], f"{what}, age.from")
            if "to" in age:
                values["age_to"] = self.age(age["to"][1], f"{what}, age.to")
                if values["age_to"] <= values["age_from"]:
                    raise self.fail(age["to"][1], f"{what} : la fin de la fenêtre (to) doit suivre son début (from)")
        needs_age = key in ("recurrence", "every", "season")
        if needs_age and "age" not in f:
            raise self.fail(node, f"{what} : clé 'age' manquante")
        if not needs_age and "age" in f:
            raise self.fail(f["age"][0], f"{what} : 'age' ne va pas avec {key}")
        for extra, owner in (("window", "ages_years"), ("dose_window", "doses_at")):
            if extra in f and key != owner:
                raise self.fail(f[extra][0], f"{what} : {extra!r} va seulement avec {owner!r}")
        value = f[key][1]
        if key == "recurrence":
            if not isinstance(value, yaml.ScalarNode) or value.value != schedule.ONCE:
                raise self.fail(value, f"{what} : récurrence inconnue {getattr(value, 'value', '')!r} "
                                       f"(once, ou every/ages_years/doses_at/season)")
            values["kind"] = schedule.ONCE
        elif key == "every":
            values.update(kind=schedule.EVERY, every=self.age(value, f"{what}, every"))
            if values["every"] <= Age():
                raise self.fail(value, f"{what} : every doit être positive")
        elif key == "ages_years":
            ages = []
            for item in self.sequence(value, f"{what}, ages_years"):
                if not isinstance(item, yaml.ScalarNode) or not item.value.isdigit():
                    raise self.fail(item, f"{what}, ages_years : un nombre d'années attendu")
                ages.append(Age(int(item.value) * 12, 0))
            values.update(kind=schedule.AGES_YEARS, offsets=self._increasing(value, ages, what),
                          window=self.age(f["window"][1], f"{what}, window") if "window" in f
                          else DEFAULT_WINDOW[schedule.AGES_YEARS])
        elif key == "doses_at":
            doses = [self.age(item, f"{what}, doses_at") for item in self.sequence(value, f"{what}, doses_at")]
            values.update(kind=schedule.DOSES_AT, offsets=self._increasing(value, doses, what),
                          window=self.age(f["dose_window"][1], f"{what}, dose_window") if "dose_window" in f
                          else DEFAULT_WINDOW[schedule.DOSES_AT])
        else:
            season = self.mapping(value, {"start", "end"}, f"{what}, season")
            if set(season) != {"start", "end"}:
                raise self.fail(value, f"{what}, season : 'start' et 'end' attendus")
            values.update(kind=schedule.SEASON, season=(self.month_day(season["start"][1], f"{what}, season.start"),
                                                        self.month_day(season["end"][1], f"{what}, season.end")))
        return values

    def _increasing(self, node: yaml.Node, ages: list[Age], what: str) -> tuple[Age, ...]:
        if any(b <= a for a, b in zip(ages, ages[1:])):
            raise self.fail(node, f"{what} : les âges doivent être croissants")
        return tuple(ages)


def parse(text: str, name: str = "<schedule>") -> Schedule:
    reader = _Reader(name)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", ligne {mark.line + 1}" if mark is not None else ""
        raise ScheduleFileError(f"{name}{line} : YAML illisible ({getattr(exc, 'problem', '') or exc})") from None
    if root is None:
        raise ScheduleFileError(f"{name} : fichier vide")
    top = reader.mapping(root, TOP_KEYS, "calendrier")
    for required in TOP_KEYS:
        if required not in top:
            raise reader.fail(root, f"calendrier : clé {required!r} manquante")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for item in reader.sequence(top["items"][1], "items"):
        rule = reader.rule(item)
        if rule.id in seen:
            raise reader.fail(item, f"id {rule.id!r} en double (déjà ligne {seen[rule.id]})")
        seen[rule.id] = item.start_mark.line + 1
        rules.append(rule)
    return Schedule(version=reader.text(top["schedule_version"][1], "schedule_version"),
                    horizon=reader.age(top["horizon"][1], "horizon"), rules=tuple(rules))


def load(path: str | Path = "") -> Schedule:
    """The operator's file, else the bundled one; ScheduleFileError (naming the line) stops the service."""
    file = Path(path) if path else BUNDLED
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleFileError(f"{file} : illisible ({exc.strerror})") from None
    return parse(text, str(file))
