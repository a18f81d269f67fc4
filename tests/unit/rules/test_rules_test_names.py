"""Every test module under tests/ has its own file name: pytest imports them by basename (rootdir
conftest, no packages), so two files of the same name stop the whole run at collection."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]


def test_no_two_test_modules_share_a_file_name():
    places = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        places[path.name].append(str(path.relative_to(TESTS)))
    assert not {name: where for name, where in places.items() if len(where) > 1}
