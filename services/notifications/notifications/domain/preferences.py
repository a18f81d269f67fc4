"""Preferences (the five MES toggles and quiet hours), unsubscribe links, push devices."""
from __future__ import annotations

import base64
import binascii
import uuid
from datetime import time
from fnmatch import fnmatch
from urllib.parse import urlsplit

from meskit.auth import OPERATOR, PATIENT, SUPPORT, Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Violations

from notifications.domain import routing
from notifications.domain.catalog import CAMPAIGN, CATEGORIES
from notifications.domain.models import Device

PLATFORMS = ("WEB", "ANDROID", "IOS")


def origin_allowed(endpoint: str, patterns: list[str]) -> bool:
    """Push endpoints come from browsers: only known push services are called (no SSRF)."""
    try:
        parts = urlsplit(endpoint)
        netloc = parts.netloc.lower()
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        return False
    return any(fnmatch(f"{parts.scheme}://{netloc}", p.strip().lower()) for p in patterns if p.strip())


def _own_account(caller: Caller, account_id: str, *, read: bool = False) -> str:
    if account_id in ("", "me"):
        account_id = caller.subject
    if caller.actor_type == PATIENT and caller.subject == account_id:
        return account_id
    if read and caller.actor_type in (SUPPORT, OPERATOR):
        return account_id
    raise PermissionDenied("Seule la personne concernée gère ses notifications")


def get(deps, caller: Caller, account_id: str) -> tuple[str, routing.Preferences]:
    account_id = _own_account(caller, account_id, read=True)
    with deps.unit_of_work() as tx:
        return account_id, tx.people.preferences(account_id)


def _parse_time(v: Violations, value: str, field: str) -> time | None:
    if not value:
        return None
    try:
        if len(value) != 5:
            raise ValueError
        return time.fromisoformat(value)
    except ValueError:
        v.add(field, "heure attendue au format HH:MM")
        return None


def update(deps, caller: Caller, account_id: str, wanted: dict) -> tuple[str, routing.Preferences]:
    account_id = _own_account(caller, account_id)
    v = Violations()
    start = _parse_time(v, wanted.get("quiet_hours_start", ""), "preferences.quiet_hours_start")
    end = _parse_time(v, wanted.get("quiet_hours_end", ""), "preferences.quiet_hours_end")
    if (start is None) != (end is None) and not v.items:
        v.add("preferences.quiet_hours_end", "début et fin des heures calmes vont ensemble")
    v.raise_if_any()
    prefs = routing.Preferences(**{c: bool(wanted.get(c)) for c in CATEGORIES}, quiet_start=start, quiet_end=end)
    with deps.unit_of_work() as tx:
        tx.people.save_preferences(account_id, prefs)
    return account_id, prefs


def unsubscribe(deps, token: str, category: str) -> None:
    """The List-Unsubscribe link: no login, the unguessable token names the person."""
    if category not in (*CATEGORIES, CAMPAIGN):
        raise InvalidArgument("Catégorie inconnue")
    if not token or len(token) > 64:
        raise NotFound("Lien de désinscription invalide")
    with deps.unit_of_work() as tx:
        if tx.people.unsubscribe(token, category) is None:
            raise NotFound("Lien de désinscription invalide")


def push_config(deps, caller: Caller) -> str:
    if deps.push is None:
        raise FailedPrecondition("Les notifications push ne sont pas configurées", reason="PUSH_DISABLED")
    return deps.push.public_key


def _key(v: Violations, value: str, field: str, size: int) -> None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        v.add(field, f"clé base64url de {size} octets attendue")


def register_device(deps, caller: Caller, account_id: str, *, endpoint: str, p256dh: str, auth: str,
                    platform: str) -> Device:
    account_id = _own_account(caller, account_id)
    v = Violations()
    v.require(endpoint, "endpoint")
    v.max_length(endpoint, "endpoint", 1000)
    if endpoint and not origin_allowed(endpoint, deps.push_origins):
        v.add("endpoint", "service de push non reconnu")
    _key(v, p256dh, "p256dh", 65)
    _key(v, auth, "auth", 16)
    platform = (platform or "WEB").upper()
    if platform not in PLATFORMS:
        v.add("platform", "valeur attendue : WEB, ANDROID ou IOS")
    v.raise_if_any()
    with deps.unit_of_work() as tx:
        return tx.people.add_device(Device(str(uuid.uuid4()), account_id, endpoint, p256dh, auth, platform))


def unregister_device(deps, caller: Caller, account_id: str, device_id: str) -> None:
    account_id = _own_account(caller, account_id)
    try:
        uuid.UUID(device_id)
    except ValueError:
        raise NotFound("Appareil introuvable") from None
    with deps.unit_of_work() as tx:
        if not tx.people.delete_device(account_id, device_id):
            raise NotFound("Appareil introuvable")
