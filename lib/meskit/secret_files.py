"""Secret files an operator replaces while the service runs, read again when they change.

A Kubernetes Secret mounted as a volume is updated in place: the kubelet writes the new files in a
fresh directory and swaps a symlink, so the path stays and what it names changes. `WatchedFile`
stats the path (following the links) at most every `interval` seconds and reads and parses it
again when its inode, size or modification time changed. A file that cannot be read or parsed
after a change keeps the last good value (and says so in the log): a half-written secret never
takes the service down.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger("meskit.secret_files")

T = TypeVar("T")


class WatchedFile(Generic[T]):
    """`value()`: the file parsed by `parse`, as it is now (None while an `optional` file is absent).

    The first reading happens here and raises what `parse` or the file system raised (a service
    does not start without its secrets); `modified` is the file's modification time (epoch seconds)."""

    def __init__(self, path: str, parse: Callable[[bytes], T], *, interval: float = 5.0,
                 optional: bool = False, clock: Callable[[], float] = time.monotonic):
        self.path, self._parse, self._interval, self._optional, self._clock = path, parse, interval, optional, clock
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int, int] | None = None
        self._value: T | None = None
        self.modified = 0.0
        self._checked = clock()
        self._load(first=True)

    def value(self) -> T | None:
        if self._clock() - self._checked >= self._interval:
            with self._lock:
                if self._clock() - self._checked >= self._interval:
                    self._checked = self._clock()
                    self._load(first=False)
        return self._value

    def _load(self, *, first: bool) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            if not self._optional:
                if first:
                    raise
                log.warning("secret file missing, keeping the last one read", extra={"path": self.path})
                return
            self._stamp, self._value = None, None
            return
        stamp = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if stamp == self._stamp:
            return
        try:
            with open(self.path, "rb") as handle:
                value = self._parse(handle.read())
        except (OSError, ValueError) as exc:
            if first:
                raise
            log.warning("secret file unreadable, keeping the last one read",
                        extra={"path": self.path, "error": type(exc).__name__})
            return
        self._stamp, self._value, self.modified = stamp, value, stat.st_mtime


def client_secret(settings) -> Callable[[], str]:
    """This service's client secret as it is now (CommonSettings): the watched
    SERVICE_CLIENT_SECRET_FILE, else SERVICE_CLIENT_SECRET; ConfigError when neither is set."""
    from meskit.config import ConfigError
    if settings.service_client_secret_file:
        try:
            watched = WatchedFile(settings.service_client_secret_file, lambda data: data.decode().strip(),
                                  interval=settings.secret_files_poll_seconds)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"SERVICE_CLIENT_SECRET_FILE: cannot be read ({type(exc).__name__})") from None
        return lambda: watched.value() or ""
    if not settings.service_client_secret:
        raise ConfigError(f"{type(settings).__name__}: SERVICE_CLIENT_SECRET or SERVICE_CLIENT_SECRET_FILE is "
                          "required (service tokens for the services it calls)")
    return lambda: settings.service_client_secret
