"""Lockout per login id and rate limits per client address, counted in the database so that
every replica sees the same counters. Unknown login ids are counted and locked exactly like
known ones: the answers never reveal whether an account exists."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from meskit.audit import AuditRecord
from meskit.errors import ResourceExhausted

from identity.domain.ports import Dependencies

LOCKED_MESSAGE = ("Trop de tentatives incorrectes : la connexion est bloquée pendant {minutes} minutes. "
                  "Réessayez plus tard.")
CLIENT_LIMIT_MESSAGE = "Trop de tentatives depuis votre connexion : réessayez dans quelques minutes."


def login_key(login_id: str) -> str:
    return "login:" + login_id.strip().lower()[:64]


def client_key(flow: str, client: str) -> str:
    return f"client:{flow}:{client[:64] or 'unknown'}"


def _locked(deps: Dependencies, key: str, now: datetime) -> bool:
    with deps.unit_of_work() as repo:
        throttle = repo.get_throttle(key)
    return throttle is not None and throttle.locked_until is not None and throttle.locked_until > now


def guard_login(deps: Dependencies, key: str, now: datetime) -> None:
    if _locked(deps, key, now):
        raise locked_error(deps)


def guard_client(deps: Dependencies, key: str, now: datetime) -> None:
    if _locked(deps, key, now):
        raise ResourceExhausted(CLIENT_LIMIT_MESSAGE, reason="RATE_LIMITED")


def locked_error(deps: Dependencies) -> ResourceExhausted:
    minutes = int(deps.policy.lockout.total_seconds() // 60)
    return ResourceExhausted(LOCKED_MESSAGE.format(minutes=minutes), reason="ACCOUNT_LOCKED")


def record_login_failure(deps: Dependencies, key: str, now: datetime,
                         audit: Callable[[bool], Iterable[AuditRecord]] | None = None) -> bool:
    """Count a wrong password or code; return True when this failure locks the login. `audit`: the
    records of a known account's failure (given whether it locks), written with the count."""
    policy = deps.policy
    with deps.unit_of_work() as repo:
        throttle = repo.add_failure(key, now, policy.lockout, policy.max_failures, policy.lockout)
        locked = throttle.locked_until is not None and throttle.locked_until > now
        for record in audit(locked) if audit else ():
            repo.add_audit(record)
    return locked


def record_client_failure(deps: Dependencies, key: str, now: datetime) -> None:
    policy = deps.policy
    with deps.unit_of_work() as repo:
        repo.add_failure(key, now, policy.client_window, policy.max_failures_per_client, policy.client_window)


def clear(deps: Dependencies, key: str) -> None:
    with deps.unit_of_work() as repo:
        repo.clear_throttle(key)
