"""bench.pyload's asyncio operations (Work.asynchronous), run in this process."""
from __future__ import annotations

import asyncio
import time

from bench.pyload import Work, _run_tasks

built: list[CountingOperation] = []


class CountingOperation:
    """Every other call fails; remembers whether it was closed."""

    def __init__(self):
        self.calls, self.closed, self.running = 0, False, asyncio.get_running_loop().is_running()
        built.append(self)

    async def __call__(self) -> None:
        self.calls += 1
        await asyncio.sleep(0)
        if self.calls % 2 == 0:
            raise RuntimeError("refused")

    async def close(self) -> None:
        self.closed = True


def counting_operation() -> CountingOperation:
    return CountingOperation()


def test_each_task_runs_its_operation_in_one_loop_until_the_end_then_closes_it():
    built.clear()
    outcomes: list[Exception | None] = []
    ran = _run_tasks(Work(f"{__name__}:counting_operation", (), 3, asynchronous=True),
                     lambda: time.monotonic() + 0.05, lambda started, exc: outcomes.append(exc),
                     lambda: outcomes.append(AssertionError("failed to build")))
    assert ran and len(built) == 3
    assert all(op.running and op.closed and op.calls >= 1 for op in built)
    assert len(outcomes) == sum(op.calls for op in built)
    assert sum(isinstance(o, RuntimeError) for o in outcomes) == sum(op.calls // 2 for op in built)


def test_an_operation_that_cannot_be_built_is_reported_and_nothing_runs():
    failures: list[str] = []
    ran = _run_tasks(Work(f"{__name__}:no_such_factory", (), 2, asynchronous=True),
                     lambda: time.monotonic(), lambda started, exc: None, lambda: failures.append("failed"))
    assert not ran and failures == ["failed"]
