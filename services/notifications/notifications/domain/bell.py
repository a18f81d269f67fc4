"""The bell: notices kept per profile, read by the profile's holder, their legal representatives
and caregivers; unread counts per profile; a live stream of new items.

An item hidden from the legal representatives (DOMAIN.md §10.4) is the holder's alone: for anyone
else reading the profile it does not exist, in lists, counts, the stream, and by its id."""
from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator
from datetime import timedelta

from meskit.auth import DELEGATE, PATIENT, SUPPORT, Caller
from meskit.errors import InvalidArgument, NotFound, PermissionDenied, ResourceExhausted

from notifications.domain import routing
from notifications.domain.models import BellItem, ProfileCount
from notifications.domain.ports import Dependencies

NOT_YOURS = "Vous n'avez pas accès aux notifications de ce profil"
POLL_SECONDS = 5.0          # re-read even without a wake-up (a lost NOTIFY delays, never loses)
LOOK_BACK_SECONDS = 5.0     # an item whose transaction began before the stream but ends after it


def visible_profiles(deps: Dependencies, caller: Caller, tx=None) -> list[tuple[str, str]]:
    """(profile id, relation) of every profile whose bell the caller reads, their own first."""
    if caller.actor_type == PATIENT:
        if tx is None:
            with deps.unit_of_work() as own:
                return [(caller.subject, routing.SELF), *own.people.viewed_profiles(caller.subject)]
        return [(caller.subject, routing.SELF), *tx.people.viewed_profiles(caller.subject)]
    if caller.actor_type == DELEGATE and caller.on_behalf_of:
        return [(caller.on_behalf_of, routing.CAREGIVER)]
    raise PermissionDenied(NOT_YOURS)


def sees_hidden(caller: Caller, profile_id: str) -> bool:
    """Whether items hidden from the legal representatives show to this caller on this profile:
    to the holder herself (and support), never to a legal representative, caregiver or delegate."""
    return caller.actor_type == SUPPORT or (caller.actor_type == PATIENT and caller.subject == profile_id)


def _require_profile(deps: Dependencies, caller: Caller, profile_id: str, tx) -> None:
    if caller.actor_type == SUPPORT:
        return
    if profile_id not in {p for p, _ in visible_profiles(deps, caller, tx)}:
        raise PermissionDenied(NOT_YOURS)


def list_items(deps: Dependencies, caller: Caller, profile_id: str, *, unread_only: bool, page_size: int,
               page_token: str) -> tuple[list[BellItem], str]:
    if not profile_id:
        raise InvalidArgument("profile_id est obligatoire")
    size = min(max(page_size or 20, 1), 100)
    try:
        before = int(page_token) if page_token else None
    except ValueError:
        raise InvalidArgument("page_token invalide") from None
    with deps.unit_of_work() as tx:
        _require_profile(deps, caller, profile_id, tx)
        items = tx.people.list_bell(profile_id, unread_only=unread_only, limit=size + 1, before_seq=before,
                                    with_hidden=sees_hidden(caller, profile_id))
    token = str(items[size - 1].seq) if len(items) > size else ""
    return items[:size], token


def unread_counts(deps: Dependencies, caller: Caller) -> list[ProfileCount]:
    with deps.unit_of_work() as tx:
        profiles = visible_profiles(deps, caller, tx)
        ids = [p for p, _ in profiles]
        counts = tx.people.unread_counts(ids, with_hidden=[p for p in ids if sees_hidden(caller, p)])
        names = tx.people.given_names(ids)
    return [ProfileCount(p, relation, names.get(p, ""), counts.get(p, 0)) for p, relation in profiles]


def _owned_item(deps: Dependencies, caller: Caller, tx, notification_id: str) -> BellItem:
    """Another profile's item is answered as a missing one: whether it exists is not told (issue 10)."""
    if caller.actor_type == SUPPORT:
        raise PermissionDenied(NOT_YOURS)
    profiles = {p for p, _ in visible_profiles(deps, caller, tx)}
    item = tx.people.bell_item(notification_id)
    if item is None or item.profile_id not in profiles or (
            item.hidden_from_legal_representatives and not sees_hidden(caller, item.profile_id)):
        raise NotFound("Notification introuvable")
    return item


def mark(deps: Dependencies, caller: Caller, notification_id: str, read: bool) -> BellItem:
    with deps.unit_of_work() as tx:
        _owned_item(deps, caller, tx, notification_id)
        tx.people.mark_bell(notification_id, read)
        marked = tx.people.bell_item(notification_id)
        assert marked is not None, "read in this transaction"
        return marked


def mark_all_read(deps: Dependencies, caller: Caller, profile_id: str) -> int:
    if caller.actor_type == SUPPORT:
        raise PermissionDenied(NOT_YOURS)
    with deps.unit_of_work() as tx:
        _require_profile(deps, caller, profile_id, tx)
        return tx.people.mark_all_read(profile_id, with_hidden=sees_hidden(caller, profile_id))


def delete(deps: Dependencies, caller: Caller, notification_id: str) -> None:
    with deps.unit_of_work() as tx:
        _owned_item(deps, caller, tx, notification_id)
        tx.people.delete_bell(notification_id)


def watch(deps: Dependencies, caller: Caller, profile_id: str, is_active: Callable[[], bool],
          max_seconds: float = 3600.0) -> Iterator[BellItem]:
    """Items added after the call started, as they come, until the client leaves.

    Items are read by creation time, not by sequence number: two transactions may commit in the
    other order than they drew their numbers, and a cursor on the number would skip the first.
    Each stream remembers what it sent (a few items per person and hour)."""
    with deps.unit_of_work() as tx:
        profiles = [p for p, _ in visible_profiles(deps, caller, tx)] if caller.actor_type != SUPPORT else []
        if profile_id:
            if caller.actor_type != SUPPORT and profile_id not in profiles:
                raise PermissionDenied(NOT_YOURS)
            profiles = [profile_id]
        if not profiles:
            raise InvalidArgument("profile_id est obligatoire")
        shown = [p for p in profiles if sees_hidden(caller, p)]
        since = tx.people.database_now() - timedelta(seconds=LOOK_BACK_SECONDS)
        sent = {item.notification_id for item in tx.people.bell_since(profiles, since, with_hidden=shown)}
    if not deps.watch_slots.acquire(blocking=False):
        raise ResourceExhausted("Trop de flux ouverts, réessayez dans un instant", reason="TOO_MANY_STREAMS")
    try:
        with deps.bell_hub.subscribe(profiles) as subscription:
            ends = clock.monotonic() + max_seconds
            while is_active() and clock.monotonic() < ends:
                with deps.unit_of_work() as tx:
                    fresh = [i for i in tx.people.bell_since(profiles, since, with_hidden=shown)
                             if i.notification_id not in sent]
                for item in fresh:
                    sent.add(item.notification_id)
                    yield item
                poll_at = clock.monotonic() + POLL_SECONDS
                while is_active() and clock.monotonic() < poll_at and not subscription.wait(1.0):
                    pass
    finally:
        deps.watch_slots.release()
