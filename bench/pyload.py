"""Closed-loop load from Python worker processes (spawned, so no gRPC state crosses a fork).

Each worker builds its operations (see bench.ops), says it is ready, waits for the common
start, then runs them back to back until warm-up + duration are over: each in a thread of its
own, or (Work.asynchronous) each as a task of one asyncio loop. Only operations that
*ended* inside the measured window count; their latencies come back to the parent."""
from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import threading
import time
import traceback
from array import array
from dataclasses import dataclass

from bench.stats import Summary, summarize


@dataclass(frozen=True)
class Work:
    """What one worker process runs: `threads` operations built by factory(*args)."""
    factory: str                     # "module:function"
    args: tuple = ()
    threads: int = 1
    asynchronous: bool = False       # the `threads` operations are coroutines, run as tasks of one loop


def _resolve(name: str):
    module, function = name.split(":")
    return getattr(importlib.import_module(module), function)


def _worker(work: Work, ready, go, start_value, warmup: float, duration: float, connection) -> None:
    ends, latencies, failed_at, messages = array("d"), array("d"), array("d"), []
    clock = time.monotonic

    def ended(started: float, exc: Exception | None) -> None:
        if exc is None:
            end = clock()
            ends.append(end)
            latencies.append(end - started)
        else:                                # counted, and the loop goes on
            failed_at.append(clock())
            if len(messages) < 5:
                messages.append(f"{type(exc).__name__}: {exc}"[:300])

    def started_together() -> float:
        """Once the operations are built: ready, the common start; the end of the run."""
        ready.put(("ready", None))
        go.wait()
        return start_value.value + warmup + duration

    run = _run_tasks if work.asynchronous else _run_threads
    if run(work, started_together, ended, lambda: ready.put(("failed", traceback.format_exc()))):
        connection.send((ends.tobytes(), latencies.tobytes(), failed_at.tobytes(), messages))
    connection.close()


def _run_threads(work: Work, started_together, ended, failed) -> bool:
    try:
        operations = [_resolve(work.factory)(*work.args) for _ in range(work.threads)]
    except BaseException:
        failed()
        return False
    stop = started_together()

    def loop(operation) -> None:
        clock = time.monotonic
        while (started := clock()) < stop:
            try:
                operation()
            except Exception as exc:
                ended(started, exc)
            else:
                ended(started, None)

    threads = [threading.Thread(target=loop, args=(op,), daemon=True) for op in operations[1:]]
    for thread in threads:
        thread.start()
    loop(operations[0])
    for thread in threads:
        thread.join()
    for operation in operations:
        getattr(operation, "close", lambda: None)()
    return True


def _run_tasks(work: Work, started_together, ended, failed) -> bool:
    """`work.threads` asyncio tasks on one loop; the operations are coroutine functions, built in the loop."""
    async def main() -> bool:
        try:
            operations = [_resolve(work.factory)(*work.args) for _ in range(work.threads)]
        except BaseException:
            failed()
            return False
        stop = started_together()

        async def loop(operation) -> None:
            clock = time.monotonic
            while (started := clock()) < stop:
                try:
                    await operation()
                except Exception as exc:
                    ended(started, exc)
                else:
                    ended(started, None)

        await asyncio.gather(*(loop(op) for op in operations))
        for operation in operations:
            await operation.close()
        return True
    return asyncio.run(main())


class PythonLoad:
    def __init__(self, works: list[Work], *, warmup: float, duration: float):
        self.works, self.warmup, self.duration = works, warmup, duration
        self._context = multiprocessing.get_context("spawn")
        self.processes: list = []
        self._pipes: list = []
        self.started_at = 0.0
        self.first_errors: list[str] = []
        self.failures_outside_window = 0

    @property
    def concurrency(self) -> int:
        return sum(w.threads for w in self.works)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid]

    def start(self, timeout: float = 120.0) -> float:
        """Spawn the workers, wait until all are ready, start them together; returns the start."""
        ctx = self._context
        ready, go, start_value = ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
        for work in self.works:
            receiver, sender = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_worker, args=(work, ready, go, start_value, self.warmup,
                                                        self.duration, sender), daemon=True)
            process.start()
            sender.close()
            self.processes.append(process)
            self._pipes.append(receiver)
        deadline = time.monotonic() + timeout
        for _ in self.works:
            state, detail = ready.get(timeout=max(1.0, deadline - time.monotonic()))
            if state != "ready":
                self.stop()
                raise RuntimeError(f"a load worker could not start:\n{detail}")
        self.started_at = time.monotonic()
        start_value.value = self.started_at
        go.set()
        return self.started_at

    def finish(self, timeout: float = 60.0) -> Summary:
        """Collect the workers' results and keep what ended inside the measured window."""
        window_start = self.started_at + self.warmup
        window_end = window_start + self.duration
        kept, errors = [], 0
        deadline = time.monotonic() + self.duration + timeout
        for pipe in self._pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                self.stop()
                raise RuntimeError("a load worker did not report in time")
            ends_raw, latencies_raw, failed_raw, messages = pipe.recv()
            ends, latencies, failed_at = array("d"), array("d"), array("d")
            ends.frombytes(ends_raw)
            latencies.frombytes(latencies_raw)
            failed_at.frombytes(failed_raw)
            kept.extend(lat for end, lat in zip(ends, latencies) if window_start <= end <= window_end)
            in_window = sum(1 for at in failed_at if window_start <= at <= window_end)
            errors += in_window
            self.failures_outside_window += len(failed_at) - in_window
            self.first_errors.extend(messages[:3])     # warm-up failures are worth seeing too
        self.stop()
        return summarize(kept, self.duration, errors)

    def stop(self) -> None:
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
