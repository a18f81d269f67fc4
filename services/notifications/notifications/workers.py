"""Background threads of a notifications process: senders, campaign audience, letter batches.

Every one of them is safe with several replicas running (claims with SKIP LOCKED and leases,
batch keys unique), so the number of threads and of replicas is only a matter of throughput.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import time
from functools import partial

from notifications.domain import letters
from notifications.domain.ports import Dependencies
from notifications.domain.sending import EmailSender, PushSender

log = logging.getLogger(__name__)
AUDIENCE_CHUNK = 5000
SECRETS_PASS_SECONDS = 60.0


def worker_id(name: str) -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{name}-{uuid.uuid4().hex[:6]}"


class Loop(threading.Thread):
    """Calls `step()` again at once while it finds work, else after `poll` seconds."""

    def __init__(self, name: str, step: Callable[[], int], poll: float, stop: threading.Event,
                 on_exit: Callable[[], None] = lambda: None):
        super().__init__(name=name, daemon=True)
        self._step, self._poll, self._halt, self._on_exit = step, poll, stop, on_exit

    def run(self) -> None:
        try:
            while not self._halt.is_set():
                try:
                    busy = self._step()
                except Exception:
                    log.exception("background pass failed", extra={"thread": self.name})
                    busy = 0
                if not busy:
                    self._halt.wait(self._poll)
        finally:
            self._on_exit()


class Workers:
    def __init__(self, deps: Dependencies, *, email_workers: int, push_workers: int, batch_size: int,
                 poll_seconds: float, letter_batch_time: time | None, letter_interval_seconds: float):
        self._stop = threading.Event()
        self.threads: list[Loop] = []
        for i in range(email_workers):
            sender = EmailSender(deps, worker_id(f"email{i}"))
            self.threads.append(Loop(f"email-{i}", partial(sender.run_once, batch_size), poll_seconds,
                                     self._stop, sender.close))
        for i in range(push_workers):
            pusher = PushSender(deps, worker_id(f"push{i}"))
            self.threads.append(Loop(f"push-{i}", partial(pusher.run_once, batch_size), poll_seconds, self._stop))
        if email_workers:
            self.threads.append(Loop("campaign-audience", lambda: deps.queue.materialise_audience(AUDIENCE_CHUNK),
                                     max(poll_seconds, 1.0), self._stop))
        self.threads.append(Loop("forget-secrets", deps.queue.forget_finished_secrets, SECRETS_PASS_SECONDS,
                                 self._stop))
        if deps.print_shop is not None and letter_batch_time is not None:
            poll = min(30.0, letter_interval_seconds) if letter_interval_seconds > 0 else 30.0
            self.threads.append(Loop("letter-batches", lambda: letters.scheduled_pass(
                deps, at=letter_batch_time, interval_seconds=letter_interval_seconds), poll, self._stop))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout)
