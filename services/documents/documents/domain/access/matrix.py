"""The DMP read matrix, parsed from the text of its data file and validated (see matrix.yaml's header).

No I/O here: the composition root reads the file (documents.adapters.matrix_file) and passes the
parsed `Matrix`, a pure lookup table, to the decision.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import yaml

from documents.domain.access.reference import PROFESSIONS, TYPE_CLASSES, UNMAPPED_TYPES

# TRE_A03 classCodes (DOMAIN §1.3).
CLASS_CODES = frozenset({"10", "11", "31", "42", "43", "44", "45", "52", "60", "90", "95", "99"})
PROFESSION_CODE = re.compile(r"^\d{2}$")
GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
TYPE_KEYS = frozenset({"class_code", "provisional", "doubtful", "read", "label"})


class MatrixError(ValueError):
    """The matrix file is malformed; the message names the file, the row and the field."""


@dataclass(frozen=True)
class TypeRow:
    type_code: str
    class_code: str
    label: str
    provisional: bool
    doubtful: bool
    readers: frozenset[str]          # groups whose flag is 1


@dataclass(frozen=True)
class Lookup:
    """The matrix's answer for one (profession code, type code) pair."""

    allowed: bool
    known_profession: bool
    known_type: bool
    groups: tuple[str, ...] = ()
    row: TypeRow | None = None


@dataclass(frozen=True)
class Matrix:
    groups: dict[str, frozenset[str]]          # group -> profession codes
    types: dict[str, TypeRow]                  # type code -> row
    source: str = ""
    version: str = ""                          # changes whenever the file's text does

    def groups_of(self, profession_code: str) -> tuple[str, ...]:
        return tuple(sorted(g for g, codes in self.groups.items() if profession_code in codes))

    def lookup(self, profession_code: str, type_code: str) -> Lookup:
        """A code in several groups (pharmacists, 21) reads a type only if every group grants it."""
        groups = self.groups_of(profession_code)
        row = self.types.get(type_code)
        allowed = bool(groups) and row is not None and all(g in row.readers for g in groups)
        return Lookup(allowed, bool(groups), row is not None, groups, row)


class _Lines:
    """Line numbers (1-based) of the nodes of the parsed file, by path: ("types", "11488-4", "read")."""

    def __init__(self) -> None:
        self.by_path: dict[tuple, int] = {}

    def at(self, *path) -> str:
        for end in range(len(path), 0, -1):    # the nearest node that exists
            if path[:end] in self.by_path:
                return f"line {self.by_path[path[:end]]}: "
        return ""


def _load(text: str) -> tuple[object, _Lines]:
    """yaml.compose keeps every node's mark; the values are built here so that each keeps its line."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = _Lines()
    scalars = yaml.constructor.SafeConstructor()

    def build(node: yaml.Node, path: tuple):
        lines.by_path.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = build(key_node, path + ("<key>",))
                if isinstance(key, (dict, list)):
                    raise MatrixError(f"line {key_node.start_mark.line + 1}: a key must be a plain value")
                if key in out:
                    raise MatrixError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
                lines.by_path[path + (key,)] = key_node.start_mark.line + 1
                out[key] = build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, path + (i,)) for i, item in enumerate(node.value)]
        return scalars.construct_object(node)

    return (None if node is None else build(node, ())), lines


def parse_matrix(text: str, source: str = "<matrix>") -> Matrix:
    """Parse and validate; every problem is reported at once, each naming its line and field."""
    try:
        data, lines = _load(text)
    except MatrixError as exc:
        raise MatrixError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise MatrixError(f"{source}: {where}not valid YAML: {exc}") from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise MatrixError(f"{source}: line 1: expected a mapping with version, groups, columns, types")
    if data.get("version") != 1:
        problems.append(f"{lines.at('version')}version: expected 1, got {data.get('version')!r}")
    unknown = set(data) - {"version", "groups", "columns", "types"}
    for key in sorted(unknown, key=str):
        problems.append(f"{lines.at(key)}unknown top-level keys [{key!r}]")
    groups = _parse_groups(data.get("groups"), lines, problems)
    columns = _parse_columns(data.get("columns"), groups, lines, problems)
    types = _parse_types(data.get("types"), columns, lines, problems)
    if problems:
        raise MatrixError(f"{source}: invalid matrix:\n  - " + "\n  - ".join(problems))
    return Matrix(groups=groups, types=types, source=source,
                  version="1-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])


def _parse_groups(raw, lines: _Lines, problems: list[str]) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{lines.at('groups')}groups: expected a non-empty mapping group -> [profession codes]")
        return {}
    groups = {}
    for name, codes in raw.items():
        at = lines.at("groups", name)
        if not isinstance(name, str) or not GROUP_NAME.match(name):
            problems.append(f"{at}groups: bad group name {name!r} (snake_case expected)")
            continue
        if not isinstance(codes, list) or not codes:
            problems.append(f"{at}groups.{name}: expected a non-empty list of TRE_G15 codes")
            continue
        bad = [c for c in codes if not isinstance(c, str) or not PROFESSION_CODE.match(c)]
        if bad:
            problems.append(f"{at}groups.{name}: profession codes must be quoted two-digit strings, got {bad!r}")
            continue
        unknown = [c for c in codes if c not in PROFESSIONS]
        if unknown:
            problems.append(f"{at}groups.{name}: unknown TRE_G15 profession code(s) {unknown!r}")
            continue
        groups[name] = frozenset(codes)
    return groups


def _parse_columns(raw, groups: dict[str, frozenset[str]], lines: _Lines, problems: list[str]) -> list[str]:
    at = lines.at("columns")
    if not isinstance(raw, list) or not raw:
        problems.append(f"{at}columns: expected the list of groups in flag order")
        return []
    unknown = [c for c in raw if c not in groups]
    if unknown:
        problems.append(f"{at}columns: unknown group(s) {unknown!r}")
    duplicated = sorted({c for c in raw if isinstance(c, str) and raw.count(c) > 1})
    if duplicated:
        problems.append(f"{at}columns: group(s) listed twice {duplicated!r}")
    missing = sorted(set(groups) - set(raw))
    if missing:
        problems.append(f"{at}columns: group(s) without a column {missing!r}")
    return list(raw)


def _parse_types(raw, columns: list[str], lines: _Lines, problems: list[str]) -> dict[str, TypeRow]:
    if not isinstance(raw, dict):
        problems.append(f"{lines.at('types')}types: expected a mapping typeCode -> row")
        return {}
    rows = {}
    for code, row in raw.items():
        where = f"types.{code}"

        def at(field: str = "") -> str:
            return lines.at("types", code, field) if field else lines.at("types", code)

        if not isinstance(code, str) or not code.strip():
            problems.append(f"{at()}types: type codes must be quoted strings, got {code!r}")
            continue
        known_class = TYPE_CLASSES.get(code)
        if known_class is None and code not in UNMAPPED_TYPES:
            problems.append(f"{at()}{where}: unknown DMP typeCode {code!r} (not in JDV_J66, DOMAIN §1.3)")
            continue
        if not isinstance(row, dict):
            problems.append(f"{at()}{where}: expected a mapping")
            continue
        extra = set(row) - TYPE_KEYS
        if extra:
            problems.append(f"{at()}{where}: unknown field(s) {sorted(extra, key=str)}")
        class_code = row.get("class_code")
        class_ok = class_code in CLASS_CODES and known_class in (None, class_code)
        if class_code not in CLASS_CODES:
            problems.append(f"{at('class_code')}{where}.class_code: {class_code!r} is not a TRE_A03 class code")
        elif known_class is not None and class_code != known_class:
            problems.append(f"{at('class_code')}{where}.class_code: {class_code!r} is not the class of {code} "
                            f"in the DMP map ({known_class!r}, DOMAIN §1.3)")
        label = row.get("label")
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{at('label')}{where}.label: required")
        flags_ok = True
        for flag_name in ("provisional", "doubtful"):
            if not isinstance(row.get(flag_name, False), bool):
                problems.append(f"{at(flag_name)}{where}.{flag_name}: true or false expected")
                flags_ok = False
        read = row.get("read")
        if not isinstance(read, list) or len(read) != len(columns):
            problems.append(f"{at('read')}{where}.read: expected {len(columns)} flags (one per column), "
                            f"got {len(read) if isinstance(read, list) else read!r}")
            continue
        bad = [(columns[i], f) for i, f in enumerate(read) if type(f) is not int or f not in (0, 1)]
        if bad:
            problems.append(f"{at('read')}{where}.read: flags must be 0 or 1, got "
                            + ", ".join(f"{c}={f!r}" for c, f in bad))
            continue
        if flags_ok and class_ok and isinstance(class_code, str) and isinstance(label, str):
            rows[code] = TypeRow(type_code=code, class_code=class_code, label=label,
                                 provisional=row.get("provisional", False), doubtful=row.get("doubtful", False),
                                 readers=frozenset(c for c, f in zip(columns, read) if f == 1))
    return rows
