"""The decision package stays pure: no grpc, no sqlalchemy, no I/O library (DESIGN.md)."""
from __future__ import annotations

import ast
from pathlib import Path

import documents.domain.access as access

ALLOWED = {"__future__", "calendar", "dataclasses", "datetime", "enum", "hashlib", "re", "yaml"}
# The type -> class reference data the matrix is checked against lives in the catalog (pure data).
CATALOG = "documents.domain.catalog"


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
                   if m.split(".")[0] not in ALLOWED and not m.startswith("documents.domain.access") and m != CATALOG}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_catalog_it_reads_is_pure_data_too():
    from documents.domain import catalog
    foreign = {m for m in imported_modules(Path(catalog.__file__)) if m.split(".")[0] not in ALLOWED}
    assert not foreign


def test_actor_types_are_the_token_actor_types():
    from meskit.auth import ACTOR_TYPES
    assert {t.value for t in access.ActorType} == set(ACTOR_TYPES)
