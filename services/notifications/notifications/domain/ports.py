"""What the notifications use-cases need from the outside world."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from notifications.domain.content import Content
from notifications.domain.models import Claimed, Device, LetterToRender
from notifications.domain.routing import Planned, Preferences, RetryPolicy


class MailConnection(Protocol):
    def deliver(self, sender: str, recipient: str, data: bytes,
                begin_mark: Callable[[], Callable[[], bool]]) -> Any: ...
    def close(self) -> None: ...


class PushProvider(Protocol):
    @property
    def public_key(self) -> str: ...

    def send(self, device: Device, payload: bytes, *, topic: str = "", urgency: str = "normal") -> Any: ...


class SentMarker(Protocol):
    """Records a mail as sent on its own connection, while the final "." is held (adapters.queue)."""

    def begin(self, delivery_id: str, worker: str, message_id: str) -> Callable[[], bool]: ...
    def close(self) -> None: ...


class DeliveryQueue(Protocol):
    """The deliveries to make, claimed under a lease by one worker (adapters.queue.DeliveryQueue)."""

    @property
    def lease(self) -> timedelta: ...
    def marker(self) -> SentMarker: ...
    def forget_finished_secrets(self, limit: int = ...) -> int: ...
    def claim(self, channel: str, worker: str, limit: int) -> list[Claimed]: ...
    def claim_campaigns(self, worker: str, limit: int) -> list[Claimed]: ...
    def materialise_audience(self, chunk: int) -> int: ...
    def mark_sent(self, claim: Claimed, worker: str) -> bool: ...
    def extend(self, claims: list[Claimed], worker: str) -> set[str]: ...
    def reopen(self, claim: Claimed, worker: str, error: str, available_at: datetime) -> None: ...
    def retry(self, claim: Claimed, worker: str, error: str, available_at: datetime,
              states: Iterable[str] = ...) -> None: ...
    def finish(self, claim: Claimed, worker: str, state: str, error: str, states: Iterable[str] = ...,
               bad_email: str | None = None) -> None: ...
    def fall_back(self, claim: Claimed, worker: str, reason: str, planned: Planned,
                  bad_email: str | None = None, states: Iterable[str] = ...) -> None: ...
    def drop_device(self, device_id: str) -> None: ...


class MailRenderer(Protocol):
    """Composed content to a MIME message (adapters.mail.MailRenderer)."""

    @property
    def envelope_sender(self) -> str: ...
    def message_id(self, notification_id: str) -> str: ...
    def render(self, *, to: str, content: Content, notification_id: str, unsubscribe: tuple[str, str] | None,
               date: datetime | None = None) -> bytes: ...


class PrintShop(Protocol):
    """Renders a batch of letters into print files; returns (location, manifest location, pages per letter)."""

    def write(self, batch_id: str, batch_key: str, to_print: list[LetterToRender],
              day: date) -> tuple[str, str, dict[str, int]]: ...


class BellSubscription(Protocol):
    def wait(self, timeout: float) -> bool: ...
    def __enter__(self) -> BellSubscription: ...
    def __exit__(self, *exc: object) -> None: ...


class BellHub(Protocol):
    """Wakes watchers when a bell item lands for one of their profiles (adapters.bell_hub.BellHub)."""

    def subscribe(self, profiles: list[str]) -> BellSubscription: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager]   # yields Stores(people, letters, ops) in a transaction
    queue: DeliveryQueue
    mail_renderer: MailRenderer
    bell_hub: BellHub
    new_mail_connection: Callable[[], MailConnection]
    policies: dict[str, RetryPolicy]
    public_url: str
    push: PushProvider | None = None
    push_origins: list[str] = field(default_factory=list)
    print_shop: PrintShop | None = None                  # None: no store configured
    watch_slots: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(16))
    default_preferences: Preferences = field(default_factory=Preferences)
    now: Callable[[], datetime] = utc_now
