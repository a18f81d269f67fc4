"""The bulk fills of (t)-(w) name columns the tables have, and fill every column a row needs."""
from __future__ import annotations

import re

import pytest

from bench import scale


def _columns(statement: str, table: str) -> list[str]:
    named = re.search(rf"INSERT INTO {table} \(([^)]*)\)", statement).group(1)
    return [c.strip() for c in named.split(",")]


@pytest.mark.parametrize(("statement", "module", "table"), [
    (scale._AUDIT_LEAVES, "audit.adapters.tables", "records"),
    (scale._AUDIT_PERSONAL, "audit.adapters.tables", "record_personal_data"),
    (scale._DOCUMENTS, "documents.adapters.tables", "documents"),
])
def test_a_fill_names_existing_columns_and_every_required_one(statement, module, table):
    import importlib
    columns = importlib.import_module(module).metadata.tables[table].c
    named = _columns(statement, table)
    assert set(named) <= set(columns.keys())
    required = {c.name for c in columns if not c.nullable and c.server_default is None}
    assert required <= set(named)


def test_the_fills_run_in_order_after_every_other_measurement():
    from bench.plan import MEASUREMENTS
    assert [m.key for m in MEASUREMENTS][-4:] == ["t", "u", "v", "w"]
    assert all(m.short for m in MEASUREMENTS[-4:])
