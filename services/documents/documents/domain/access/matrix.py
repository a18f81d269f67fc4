"""The DMP read matrix, parsed from the text of its data file and validated (see matrix.yaml's header).

No I/O here: the composition root reads the file (documents.adapters.matrix_file) and passes the
parsed `Matrix`, a pure lookup table, to the decision.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import yaml

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


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; a matrix must not."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise MatrixError(f"duplicate key {key!r} (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_matrix(text: str, source: str = "<matrix>") -> Matrix:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except MatrixError as exc:
        raise MatrixError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise MatrixError(f"{source}: not valid YAML: {exc}") from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise MatrixError(f"{source}: expected a mapping with version, groups, columns, types")
    if data.get("version") != 1:
        problems.append(f"version: expected 1, got {data.get('version')!r}")
    unknown = set(data) - {"version", "groups", "columns", "types"}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    groups = _parse_groups(data.get("groups"), problems)
    columns = _parse_columns(data.get("columns"), groups, problems)
    types = _parse_types(data.get("types"), columns, problems)
    if problems:
        raise MatrixError(f"{source}: invalid matrix:\n  - " + "\n  - ".join(problems))
    return Matrix(groups=groups, types=types, source=source,
                  version="1-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])


def _parse_groups(raw, problems: list[str]) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict) or not raw:
        problems.append("groups: expected a non-empty mapping group -> [profession codes]")
        return {}
    groups = {}
    for name, codes in raw.items():
        if not isinstance(name, str) or not GROUP_NAME.match(name):
            problems.append(f"groups: bad group name {name!r} (snake_case expected)")
            continue
        if not isinstance(codes, list) or not codes:
            problems.append(f"groups.{name}: expected a non-empty list of TRE_G15 codes")
            continue
        bad = [c for c in codes if not isinstance(c, str) or not PROFESSION_CODE.match(c)]
        if bad:
            problems.append(f"groups.{name}: profession codes must be quoted two-digit strings, got {bad!r}")
            continue
        groups[name] = frozenset(codes)
    return groups


def _parse_columns(raw, groups: dict[str, frozenset[str]], problems: list[str]) -> list[str]:
    if not isinstance(raw, list) or not raw:
        problems.append("columns: expected the list of groups in flag order")
        return []
    unknown = [c for c in raw if c not in groups]
    if unknown:
        problems.append(f"columns: unknown group(s) {unknown!r}")
    duplicated = sorted({c for c in raw if isinstance(c, str) and raw.count(c) > 1})
    if duplicated:
        problems.append(f"columns: group(s) listed twice {duplicated!r}")
    missing = sorted(set(groups) - set(raw))
    if missing:
        problems.append(f"columns: group(s) without a column {missing!r}")
    return list(raw)


def _parse_types(raw, columns: list[str], problems: list[str]) -> dict[str, TypeRow]:
    if not isinstance(raw, dict):
        problems.append("types: expected a mapping typeCode -> row")
        return {}
    rows = {}
    for code, row in raw.items():
        where = f"types.{code}"
        if not isinstance(code, str) or not code.strip():
            problems.append(f"types: type codes must be quoted strings, got {code!r}")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        extra = set(row) - TYPE_KEYS
        if extra:
            problems.append(f"{where}: unknown field(s) {sorted(extra)}")
        class_code = row.get("class_code")
        if class_code not in CLASS_CODES:
            problems.append(f"{where}.class_code: {class_code!r} is not a TRE_A03 class code")
        label = row.get("label")
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{where}.label: required")
        flags_ok = True
        for flag_name in ("provisional", "doubtful"):
            if not isinstance(row.get(flag_name, False), bool):
                problems.append(f"{where}.{flag_name}: true or false expected")
                flags_ok = False
        read = row.get("read")
        if not isinstance(read, list) or len(read) != len(columns):
            problems.append(f"{where}.read: expected {len(columns)} flags (one per column), "
                            f"got {len(read) if isinstance(read, list) else read!r}")
            continue
        bad = [(columns[i], f) for i, f in enumerate(read) if type(f) is not int or f not in (0, 1)]
        if bad:
            problems.append(f"{where}.read: flags must be 0 or 1, got " + ", ".join(f"{c}={f!r}" for c, f in bad))
            continue
        if flags_ok and class_code in CLASS_CODES and isinstance(label, str):
            rows[code] = TypeRow(type_code=code, class_code=class_code, label=label,
                                 provisional=row.get("provisional", False), doubtful=row.get("doubtful", False),
                                 readers=frozenset(c for c, f in zip(columns, read) if f == 1))
    return rows
