"""eventually() and settled(): the one way tests wait for something to happen."""
from __future__ import annotations

import itertools

import pytest

from devtools.eventually import eventually, settled


def test_returns_the_first_truthy_value_as_soon_as_it_comes():
    calls = itertools.count(1)
    assert eventually(lambda: (n := next(calls)) >= 3 and n, interval=0) == 3
    assert next(calls) == 4                      # not called once more after it held


def test_an_assertion_means_not_yet_and_the_last_one_rises_at_the_timeout():
    seen = []

    def not_yet():
        seen.append(1)
        assert False, f"attempt {len(seen)}"
    with pytest.raises(AssertionError) as raised:
        eventually(not_yet, timeout=0.05, interval=0.01)
    assert len(seen) > 1 and str(raised.value).startswith(f"attempt {len(seen)}")


def test_a_value_that_stays_false_names_what_was_awaited_and_the_last_value():
    with pytest.raises(AssertionError, match=r"the mail did not hold within 0.05 s \(last value: \[\]\)"):
        eventually(lambda: [], timeout=0.05, interval=0.01, what="the mail")


def test_other_errors_rise_at_once():
    def broken():
        raise KeyError("bug")
    with pytest.raises(KeyError):
        eventually(broken, timeout=10)


def test_settled_is_the_value_two_reads_agree_on():
    values = iter([1, 2, 3, 3])
    assert settled(lambda: next(values), quiet=0) == 3


def test_settled_gives_up_on_a_value_that_keeps_changing():
    counter = itertools.count()
    with pytest.raises(AssertionError, match="still changing"):
        settled(lambda: next(counter), quiet=0.01, timeout=0.05)
