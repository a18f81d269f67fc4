"""mypy (mypy.ini) passes over lib/ and services/ with the generated stubs, and refuses a planted type error."""
from __future__ import annotations

from pathlib import Path

from devtools import rules


def test_the_tree_type_checks():
    result = rules.mypy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


PLANTED = '''\
from documents.domain.ports import Dependencies

count: int = "three"


class NoStore:
    def put(self, key: str, data: bytes) -> None: ...


def wire(deps: Dependencies) -> Dependencies:
    return Dependencies(unit_of_work=deps.unit_of_work, objects=NoStore(), contexts=deps.contexts,
                        audit=deps.audit, matrix=deps.matrix)
'''


def test_a_planted_type_error_is_refused(tmp_path: Path):
    planted = tmp_path / "planted.py"
    planted.write_text(PLANTED, encoding="utf-8")
    result = rules.mypy(rules.ROOT, str(planted))
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'planted.py:3: error: Incompatible types in assignment (expression has type "str", variable has type "int")' \
        in result.stdout
    assert 'Argument "objects" to "Dependencies" has incompatible type "NoStore"; expected "ObjectStore"' \
        in result.stdout, result.stdout
