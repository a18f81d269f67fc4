"""Live bell updates across replicas: PostgreSQL LISTEN/NOTIFY fanned out to this process's streams.

The transaction that adds a bell item runs `pg_notify('mes_bell', profile_id)`; PostgreSQL
delivers it to every listening replica when (and only if) the transaction commits. One thread per
replica listens and wakes the streams that watch that profile; they then read the new items from
the table. Streams also re-read every few seconds, so a lost connection delays, never loses.
"""
from __future__ import annotations

import threading
from collections import defaultdict

import psycopg
from sqlalchemy.engine import make_url

from meskit.loop import Loop

from notifications.adapters.repository import BELL_CHANNEL

RECONNECT_SECONDS = 1.0


def libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Subscription:
    def __init__(self, hub: BellHub, profiles: list[str]):
        self.hub, self.profiles = hub, profiles
        self.event = threading.Event()

    def wait(self, timeout: float) -> bool:
        fired = self.event.wait(timeout)
        self.event.clear()
        return fired

    def close(self) -> None:
        self.hub._remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class BellHub:
    def __init__(self, database_url: str):
        self._url = libpq_url(database_url)
        self._lock = threading.Lock()
        self._watchers: dict[str, set[Subscription]] = defaultdict(set)
        self._loop = Loop("bell-listener", self._listen, RECONNECT_SECONDS)
        self.listening = threading.Event()

    def subscribe(self, profiles: list[str]) -> Subscription:
        subscription = Subscription(self, profiles)
        with self._lock:
            for profile in profiles:
                self._watchers[profile].add(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            for profile in subscription.profiles:
                watchers = self._watchers.get(profile)
                if watchers is not None:
                    watchers.discard(subscription)
                    if not watchers:
                        del self._watchers[profile]

    def _wake(self, profile: str | None) -> None:
        with self._lock:
            targets = (set().union(*self._watchers.values()) if profile is None
                       else set(self._watchers.get(profile, ())))
        for subscription in targets:
            subscription.event.set()

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 3.0) -> bool:
        return self._loop.stop(timeout)

    def _listen(self) -> None:
        """One pass: listen until stopped. A lost connection ends the pass; the loop listens again."""
        try:
            with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as connection:
                connection.execute(f"LISTEN {BELL_CHANNEL}")
                self.listening.set()
                self._wake(None)              # anything missed while not listening is read again
                while not self._loop.stopping.is_set():
                    for notify in connection.notifies(timeout=0.5):
                        self._wake(notify.payload)
        finally:
            self.listening.clear()
