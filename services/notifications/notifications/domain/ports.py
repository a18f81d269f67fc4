"""What the notifications use-cases need from the outside world."""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from notifications.domain.routing import Preferences, RetryPolicy


class MailConnection(Protocol):
    def deliver(self, sender: str, recipient: str, data: bytes, before_final_dot: Callable[[], bool]) -> Any: ...
    def close(self) -> None: ...


class PushProvider(Protocol):
    public_key: str

    def send(self, device, payload: bytes, *, topic: str = "", urgency: str = "normal") -> Any: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager]   # yields Stores(people, letters, ops) in a transaction
    queue: Any                                           # adapters.queue.DeliveryQueue
    mail_renderer: Any                                   # adapters.mail.MailRenderer
    new_mail_connection: Callable[[], MailConnection]
    policies: dict[str, RetryPolicy]
    public_url: str
    push: PushProvider | None = None
    push_origins: list[str] = field(default_factory=list)
    print_shop: Any = None                               # adapters.letters.PrintShop, None: no store configured
    bell_hub: Any = None                                 # adapters.bell_hub.BellHub
    watch_slots: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(16))
    default_preferences: Preferences = field(default_factory=Preferences)
    now: Callable[[], datetime] = utc_now
