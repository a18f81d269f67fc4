"""The decision package stays pure: no grpc, no sqlalchemy, no I/O library (DESIGN.md)."""
from __future__ import annotations

import ast
from pathlib import Path

import documents.domain.access as access

ALLOWED = {"__future__", "calendar", "dataclasses", "datetime", "enum", "hashlib", "re", "yaml"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_imports_only_the_standard_library_yaml_and_itself():
    package = Path(access.__file__).parent
    for path in sorted(package.glob("*.py")):
        foreign = {m for m in imported_modules(path)
                   if m.split(".")[0] not in ALLOWED and not m.startswith("documents.domain.access")}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_actor_types_are_the_token_actor_types():
    from meskit.auth import ACTOR_TYPES
    assert {t.value for t in access.ActorType} == set(ACTOR_TYPES)
