"""Which fault window and which outage a journal line of the fault run falls in (loadtest/faults.py):
a line belongs to the window of the last kill before its answer, and met an outage when the request
was under way at some time between that kill and the restart."""
from __future__ import annotations

from loadtest.faults import Window, in_outage, window_of

DOCUMENTS = Window("documents", killed="2026-12-04T10:00:10.000+00:00", restarted="2026-12-04T10:00:13.000+00:00")
AUDIT = Window("audit", killed="2026-12-04T10:00:20.000+00:00", restarted="2026-12-04T10:00:22.000+00:00")
WINDOWS = [DOCUMENTS, AUDIT]


def line(ts: str, ms: float = 10.0) -> dict:
    return {"ts": f"2026-12-04T10:00:{ts}+00:00", "ms": ms}


def test_a_line_is_in_the_window_of_the_last_kill_before_its_answer():
    assert [window_of(line(ts)["ts"], WINDOWS) for ts in ("05.000", "10.000", "19.999", "20.000", "59.000")] == \
           ["before", "documents", "documents", "audit", "audit"]


def test_a_request_under_way_during_an_outage_met_it_and_one_after_the_restart_did_not():
    assert in_outage(line("11.000"), WINDOWS) is DOCUMENTS
    assert in_outage(line("14.000", ms=1500), WINDOWS) is DOCUMENTS       # sent at 12.5 s, before the restart
    assert in_outage(line("14.000", ms=500), WINDOWS) is None             # sent at 13.5 s, after it
    assert in_outage(line("09.000"), WINDOWS) is None
    assert in_outage(line("21.000"), WINDOWS) is AUDIT
