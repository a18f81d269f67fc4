"""Where the CPU went: CPU seconds of named groups of processes over a window.

Rates are in cores (CPU seconds per second): on this 2-core machine 2.0 is everything."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil


def _own_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _tree_seconds(process: psutil.Process) -> float:
    """A parent that reaps its children (postgres) plus the children still alive: a child that
    exits during the window moves from one term to the other, so the sum stays continuous."""
    times = process.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in process.children(recursive=True):
        try:
            total += _own_seconds(child)
        except psutil.Error:
            pass
    return total


@dataclass
class Group:
    """One line of the CPU table: a function listing the processes, measured alone or with the
    children they reap."""
    name: str
    processes: Callable[[], list[psutil.Process]]
    with_children: bool = False

    def seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                total += _tree_seconds(process) if self.with_children else _own_seconds(process)
            except psutil.Error:       # gone: counts as nothing from now on
                pass
        return total


@dataclass
class Snapshot:
    at: float
    groups: dict[str, float]
    machine_busy: float          # CPU seconds of the whole machine outside idle, iowait and steal
    machine_steal: float         # CPU seconds the hypervisor gave to someone else


@dataclass
class Usage:
    """Cores used per group over a window, and by the whole machine."""
    seconds: float
    cores: dict[str, float] = field(default_factory=dict)
    machine_cores: float = 0.0
    steal_cores: float = 0.0

    def total(self, names=None) -> float:
        return sum(v for k, v in self.cores.items() if names is None or k in names)


def _machine() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the machine since boot; guest time is already in user."""
    times = psutil.cpu_times()
    steal = getattr(times, "steal", 0.0)
    idle = times.idle + getattr(times, "iowait", 0.0)
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return sum(times) - idle - steal - guest, steal


class CpuMeter:
    def __init__(self, groups: list[Group]):
        self.groups = groups

    def snapshot(self) -> Snapshot:
        return Snapshot(time.monotonic(), {g.name: g.seconds() for g in self.groups}, *_machine())

    @staticmethod
    def usage(start: Snapshot, end: Snapshot) -> Usage:
        seconds = max(end.at - start.at, 1e-9)
        return Usage(seconds, {name: max(0.0, end.groups[name] - start.groups.get(name, 0.0)) / seconds
                               for name in end.groups},
                     (end.machine_busy - start.machine_busy) / seconds,
                     (end.machine_steal - start.machine_steal) / seconds)


def processes_of(pids: Callable[[], list[int]]) -> Callable[[], list[psutil.Process]]:
    """Processes by pid, looked up at each snapshot (pids may appear while measuring)."""
    cache: dict[int, psutil.Process] = {}

    def resolve() -> list[psutil.Process]:
        found = []
        for pid in pids():
            if pid not in cache:
                try:
                    cache[pid] = psutil.Process(pid)
                except psutil.Error:
                    continue
            found.append(cache[pid])
        return found
    return resolve
