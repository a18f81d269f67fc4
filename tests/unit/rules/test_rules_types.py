"""mypy (mypy.ini) passes over lib/ and services/ with the generated stubs, and refuses a planted type error."""
from __future__ import annotations

import configparser
from pathlib import Path

from tests.unit.rules.tree import ROOT, run, services

CONFIG = ROOT / "mypy.ini"


def mypy(*args: str):
    return run("mypy", "--config-file", str(CONFIG), *args)


def test_every_service_folder_is_checked():
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    paths = set(parser["mypy"]["mypy_path"].split(":"))
    files = {f.strip() for f in parser["mypy"]["files"].split(",")}
    for name in services():
        assert f"services/{name}" in paths, f"add services/{name} to mypy_path in mypy.ini"
        assert f"services/{name}/{name}" in files, f"add services/{name}/{name} to files in mypy.ini"


def test_the_tree_type_checks():
    result = mypy()
    assert result.returncode == 0, result.stdout + result.stderr


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
    result = mypy(str(planted))
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'planted.py:3: error: Incompatible types in assignment (expression has type "str", variable has type "int")' \
        in result.stdout
    assert 'Argument "objects" to "Dependencies" has incompatible type "NoStore"; expected "ObjectStore"' \
        in result.stdout, result.stdout
