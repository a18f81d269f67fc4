"""The one background loop: passes, more work at once, errors logged and counted, stop in time."""
from __future__ import annotations

import logging
import random
import threading
import uuid

from prometheus_client import REGISTRY

from meskit.loop import Loop, jittered, stop_all

WAIT = 30.0          # only a bound for a broken loop: a working one sets the events long before
FOREVER = 3600.0


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


class Passes:
    """A step that counts its passes and sets `reached` once `target` passes have run."""

    def __init__(self, target: int = 1, result=None):
        self.count, self.target, self.result = 0, target, result
        self.reached = threading.Event()
        self.threads: set[str] = set()

    def __call__(self):
        self.count += 1
        self.threads.add(threading.current_thread().name)
        if self.count >= self.target:
            self.reached.set()
        return self.result(self.count) if callable(self.result) else self.result


class TestInterval:
    def test_runs_a_first_pass_at_start_then_waits_the_interval(self):
        passes = Passes()
        loop = Loop(unique("first"), passes, FOREVER).start()
        assert passes.reached.wait(WAIT)
        assert loop.stop(WAIT)
        assert passes.count == 1                      # the hour-long wait was cut short by stop

    def test_runs_again_after_each_interval(self):
        passes = Passes(target=3)
        loop = Loop(unique("again"), passes, 0.0).start()
        assert passes.reached.wait(WAIT)
        assert loop.stop(WAIT)

    def test_wait_first_runs_no_pass_before_one_interval(self):
        passes = Passes()
        loop = Loop(unique("wait-first"), passes, FOREVER, wait_first=True).start()
        assert loop.stop(WAIT)
        assert passes.count == 0

    def test_the_interval_may_be_asked_after_each_pass(self):
        passes = Passes(target=3)
        asked = []
        loop = Loop(unique("asked"), passes, lambda: asked.append(passes.count) or 0.0).start()
        assert passes.reached.wait(WAIT)
        assert loop.stop(WAIT)
        assert asked[:2] == [1, 2]

    def test_passes_run_on_the_loops_own_daemon_thread(self):
        passes = Passes()
        name = unique("thread")
        loop = Loop(name, passes, FOREVER).start()
        assert passes.reached.wait(WAIT)
        assert passes.threads == {name} and loop._thread.daemon
        assert loop.stop(WAIT)

    def test_jitter_spreads_the_interval_within_its_fraction(self):
        rng = random.Random(9)
        delays = [jittered(10.0, 0.2, rng) for _ in range(1000)]
        assert 8.0 <= min(delays) < 8.5 and 11.5 < max(delays) <= 12.0
        assert jittered(0.0, 0.5) == 0.0 and jittered(4.0, 0.0) == 4.0


class TestMoreWork:
    def test_a_pass_that_reports_more_work_is_followed_at_once(self):
        passes = Passes(target=4, result=lambda count: count < 4)   # three full batches, then a short one
        loop = Loop(unique("more"), passes, FOREVER, more_work=bool).start()
        assert passes.reached.wait(WAIT)
        assert loop.stop(WAIT)
        assert passes.count == 4

    def test_without_more_work_a_truthy_result_still_waits(self):
        passes = Passes(result=True)
        loop = Loop(unique("no-more"), passes, FOREVER).start()
        assert passes.reached.wait(WAIT)
        assert loop.stop(WAIT)
        assert passes.count == 1


class TestErrors:
    def test_a_failing_pass_is_logged_with_its_traceback_counted_and_the_loop_goes_on(self, caplog):
        name = unique("failing")
        passes = Passes(target=2)

        def step():
            if passes.count == 0:
                passes.count += 1
                raise RuntimeError("database gone")
            return passes()

        with caplog.at_level(logging.ERROR, logger="meskit.loop"):
            loop = Loop(name, step, 0.0).start()
            assert passes.reached.wait(WAIT)
            assert loop.stop(WAIT)
        assert REGISTRY.get_sample_value("mes_loop_errors_total", {"loop": name}) == 1.0
        failures = [r for r in caplog.records if getattr(r, "loop", None) == name]
        assert len(failures) == 1 and failures[0].exc_info[0] is RuntimeError

    def test_a_failing_pass_does_not_count_as_more_work(self):
        calls = Passes(target=1)
        name = unique("failing-more")

        def step():
            calls()
            raise RuntimeError("refused")

        loop = Loop(name, step, FOREVER, more_work=lambda result: True).start()
        assert calls.reached.wait(WAIT)
        assert loop.stop(WAIT)
        assert calls.count == 1


class TestStop:
    def test_stop_returns_false_while_a_pass_outlives_the_timeout_then_the_loop_ends(self, caplog):
        inside, release = threading.Event(), threading.Event()
        exited = threading.Event()
        loop = Loop(unique("slow"), lambda: inside.set() or release.wait(WAIT), FOREVER,
                    on_exit=exited.set).start()
        assert inside.wait(WAIT)
        with caplog.at_level(logging.WARNING, logger="meskit.loop"):
            assert loop.stop(0.0) is False
        assert any("still running" in r.getMessage() for r in caplog.records)
        release.set()
        assert exited.wait(WAIT)
        assert loop.join(WAIT) is True

    def test_on_exit_runs_on_the_loops_thread(self):
        seen = []
        name = unique("exit")
        loop = Loop(name, lambda: None, FOREVER, on_exit=lambda: seen.append(threading.current_thread().name))
        assert loop.start().stop(WAIT)
        assert seen == [name]

    def test_a_shared_stop_event_ends_the_loop(self):
        stopping = threading.Event()
        loop = Loop(unique("shared"), lambda: None, FOREVER, stop_event=stopping).start()
        stopping.set()
        assert loop.join(WAIT)

    def test_stop_all_stops_every_loop(self):
        loops = [Loop(unique(f"all-{i}"), lambda: None, FOREVER).start() for i in range(3)]
        assert stop_all(loops, WAIT)
        assert all(loop.join(0) for loop in loops)

    def test_a_loop_never_started_stops_at_once(self):
        assert Loop(unique("idle"), lambda: None, FOREVER).stop(WAIT)
