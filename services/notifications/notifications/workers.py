"""Background threads of a notifications process: senders, campaign audience, letter batches.

Every one of them is safe with several replicas running (claims with SKIP LOCKED and leases,
batch keys unique), so the number of threads and of replicas is only a matter of throughput.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import time
from functools import partial

from meskit.loop import Loop, stop_all

from notifications.domain import letters
from notifications.domain.ports import Dependencies
from notifications.domain.sending import EmailSender, PushSender

AUDIENCE_CHUNK = 5000
SECRETS_PASS_SECONDS = 60.0


def worker_id(name: str) -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{name}-{uuid.uuid4().hex[:6]}"


class Workers:
    def __init__(self, deps: Dependencies, *, email_workers: int, push_workers: int, batch_size: int,
                 poll_seconds: float, letter_batch_time: time | None, letter_interval_seconds: float):
        self.loops: list[Loop] = []
        for i in range(email_workers):
            sender = EmailSender(deps, worker_id(f"email{i}"))
            self.loops.append(Loop(f"email-{i}", partial(sender.run_once, batch_size), poll_seconds,
                                   more_work=bool, on_exit=sender.close))
        for i in range(push_workers):
            pusher = PushSender(deps, worker_id(f"push{i}"))
            self.loops.append(Loop(f"push-{i}", partial(pusher.run_once, batch_size), poll_seconds, more_work=bool))
        if email_workers:
            self.loops.append(Loop("campaign-audience", lambda: deps.queue.materialise_audience(AUDIENCE_CHUNK),
                                   max(poll_seconds, 1.0), more_work=bool))
        self.loops.append(Loop("forget-secrets", deps.queue.forget_finished_secrets, SECRETS_PASS_SECONDS,
                               more_work=bool))
        if deps.print_shop is not None and letter_batch_time is not None:
            poll = min(30.0, letter_interval_seconds) if letter_interval_seconds > 0 else 30.0
            self.loops.append(Loop("letter-batches", lambda: letters.scheduled_pass(
                deps, at=letter_batch_time, interval_seconds=letter_interval_seconds), poll, more_work=bool))

    def start(self) -> None:
        for loop in self.loops:
            loop.start()

    def stop(self, timeout: float = 10.0) -> bool:
        return stop_all(self.loops, timeout)
