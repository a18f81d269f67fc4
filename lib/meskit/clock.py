"""A clock for end-to-end tests: the real UTC time moved by an offset read from a file.

The file holds a number of seconds (e.g. `86400` or `-3600.5`); it is read again only when its
modification time or size changes. A missing or empty file means no offset. A malformed one is
refused: at start (`OffsetClock(path)`) and at the next reading after it changed. A test hook,
never for production: whoever writes the file moves the service's idea of "now".
"""
from __future__ import annotations

import math
import os
import threading
from datetime import datetime, timedelta, timezone


class ClockOffsetError(ValueError):
    pass


def read_offset(path: str) -> timedelta:
    """The offset the file holds (none when it is missing or empty); ClockOffsetError otherwise."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().strip()
    except FileNotFoundError:
        return timedelta(0)
    if not text:
        return timedelta(0)
    try:
        seconds = float(text)
    except ValueError:
        raise ClockOffsetError(f"clock offset file {path}: a number of seconds expected") from None
    if not math.isfinite(seconds) or abs(seconds) > 100 * 366 * 86400:
        raise ClockOffsetError(f"clock offset file {path}: a finite number of seconds (at most a century) expected")
    return timedelta(seconds=seconds)


class OffsetClock:
    """`now()`: aware UTC datetime = the real time + the file's offset."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._read = False
        self._offset = timedelta(0)
        self._refresh()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        return status.st_mtime_ns, status.st_size

    def _refresh(self) -> None:
        stamp = self._stamp()
        if self._read and stamp == self._seen:
            return
        with self._lock:
            self._offset = read_offset(self.path) if stamp is not None else timedelta(0)
            self._seen, self._read = stamp, True

    @property
    def offset(self) -> timedelta:
        self._refresh()
        return self._offset

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    now = __call__
