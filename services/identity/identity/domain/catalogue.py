"""The catalogue of trusted apps (DOMAIN §9): operators reference and change apps; patients and
delegates browse the listed ones. A client secret is shown once; only its hash is kept."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import timedelta

from meskit.auth import DELEGATE, OPERATOR, PATIENT, Caller
from meskit.errors import NotFound, PermissionDenied, Violations

from identity.domain import paging
from identity.domain.catalogue_models import (APP_STATUSES, BY_APP_STATUS, CLIENT_SECRET_BASIC, DEREFERENCEE,
                                              LISTED_TO_PATIENTS, PRESERIE, App)
from identity.domain.catalogue_rules import AppFields, check_app
from identity.domain.ports import Dependencies

NO_SUCH_APP = "Service introuvable dans le catalogue"
OPERATORS_ONLY = "Réservé aux opérateurs du catalogue"
DEFAULT_PAGE, MAX_PAGE = 50, 100
DEFAULT_REAPPROVAL_DAYS, MAX_REAPPROVAL_DAYS = 30, 180


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def _require_id(app_id: str) -> None:
    v = Violations()
    v.require(app_id, "app_id")
    v.max_length(app_id, "app_id", 36)
    v.raise_if_any()


def _app(repo, app_id: str, *, for_update: bool = False) -> App:
    found = repo.get_app(app_id, for_update=for_update) if len(app_id) <= 36 else None
    if found is None:
        raise NotFound(NO_SUCH_APP)
    return found


def reference_app(deps: Dependencies, caller: Caller, fields: AppFields) -> tuple[App, str]:
    caller.require(OPERATOR)
    v = Violations()
    check_app(v, fields)
    v.raise_if_any()
    now, secret = deps.now(), new_client_secret()
    app = App(app_id=str(uuid.uuid4()), name=fields.name, publisher=fields.publisher, description=fields.description,
              themes=fields.themes, regions=fields.regions, status=fields.status or PRESERIE, purposes=fields.purposes,
              redirect_uris=fields.redirect_uris, client_auth_method=fields.client_auth_method or CLIENT_SECRET_BASIC,
              website_url=fields.website_url, purposes_version=1, created_at=now, updated_at=now,
              client_secret_hash=deps.hasher.hash(secret))
    with deps.unit_of_work() as repo:
        repo.add_app(app)
    return app, secret


def update_app(deps: Dependencies, caller: Caller, app_id: str, fields: AppFields, reapproval_days: int) -> App:
    caller.require(OPERATOR)
    _require_id(app_id)
    v = Violations()
    check_app(v, fields, partial=True)
    if not (reapproval_days == 0 or 1 <= reapproval_days <= MAX_REAPPROVAL_DAYS):
        v.add("reapproval_days", f"de 1 à {MAX_REAPPROVAL_DAYS} jours (0 = {DEFAULT_REAPPROVAL_DAYS})")
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        app = _app(repo, app_id, for_update=True)
        purposes_changed = [p.as_json() for p in fields.purposes] != [p.as_json() for p in app.purposes]
        values = dict(description=fields.description, themes=fields.themes, regions=fields.regions,
                      purposes=fields.purposes, redirect_uris=fields.redirect_uris, website_url=fields.website_url,
                      name=fields.name or app.name, publisher=fields.publisher or app.publisher,
                      client_auth_method=fields.client_auth_method or app.client_auth_method, updated_at=now,
                      purposes_version=app.purposes_version + purposes_changed)
        repo.update_app(app_id, **values)
        if purposes_changed:
            deadline = now + timedelta(days=reapproval_days or DEFAULT_REAPPROVAL_DAYS)
            repo.require_reapproval(app_id, deadline, now)
        if fields.status and fields.status != app.status:
            _change_status(repo, app_id, fields.status, app.status_reason, now)
        return _app(repo, app_id)


def set_app_status(deps: Dependencies, caller: Caller, app_id: str, status: str | None, reason: str) -> App:
    caller.require(OPERATOR)
    _require_id(app_id)
    v = Violations()
    if not status:
        v.add("status", "statut obligatoire" if status is None else "statut inconnu")
    v.max_length(reason, "reason", 500)
    v.raise_if_any()
    assert status is not None
    now = deps.now()
    with deps.unit_of_work() as repo:
        _app(repo, app_id, for_update=True)
        _change_status(repo, app_id, status, reason, now)
        return _app(repo, app_id)


def _change_status(repo, app_id: str, status: str, reason: str, now) -> None:
    """A suspended app's tokens stop while it is (GetAccessContext reads its status); a
    dereferenced app's are revoked for good."""
    repo.update_app(app_id, status=status, status_reason=reason, updated_at=now)
    if status == DEREFERENCEE:
        repo.revoke_app_families(app_id, BY_APP_STATUS, now)


def rotate_secret(deps: Dependencies, caller: Caller, app_id: str) -> tuple[App, str]:
    caller.require(OPERATOR)
    _require_id(app_id)
    secret = new_client_secret()
    with deps.unit_of_work() as repo:
        _app(repo, app_id, for_update=True)
        repo.update_app(app_id, client_secret_hash=deps.hasher.hash(secret), updated_at=deps.now())
        return _app(repo, app_id), secret


def _visible_statuses(caller: Caller) -> tuple[str, ...]:
    if caller.actor_type == OPERATOR:
        return APP_STATUSES
    if caller.actor_type in (PATIENT, DELEGATE):
        return LISTED_TO_PATIENTS
    raise PermissionDenied("Le catalogue des services est réservé aux usagers et aux opérateurs")


def list_apps(deps: Dependencies, caller: Caller, *, theme: str, region: str, status: str | None, page_size: int,
              page_token: str) -> tuple[list[App], str]:
    """`status`: None unset, "" unknown."""
    statuses = _visible_statuses(caller)
    v = Violations()
    limit = paging.page_size(page_size, default=DEFAULT_PAGE, maximum=MAX_PAGE, violations=v)
    v.max_length(theme, "theme", 50)
    v.max_length(region, "region", 3)
    v.max_length(page_token, "page_token", 500)
    if status == "":
        v.add("status", "statut inconnu")
    elif status is not None and caller.actor_type != OPERATOR:
        v.add("status", "filtre réservé aux opérateurs")
    v.raise_if_any()
    if status:
        statuses = (status,)
    search = paging.fingerprint({"theme": theme, "region": region, "statuses": statuses})
    after = tuple(paging.decode(page_token, search, 2)) if page_token else None
    with deps.unit_of_work() as repo:
        found = repo.list_apps(statuses=statuses, theme=theme, region=region, after=after,  # type: ignore[arg-type]
                               limit=limit + 1)
    token = paging.encode((found[limit - 1].name, found[limit - 1].app_id), search) if len(found) > limit else ""
    return found[:limit], token


def get_app(deps: Dependencies, caller: Caller, app_id: str) -> App:
    statuses = _visible_statuses(caller)
    _require_id(app_id)
    with deps.unit_of_work() as repo:
        app = _app(repo, app_id)
    if app.status not in statuses:
        raise NotFound(NO_SUCH_APP)
    return app


def public_view(caller: Caller, app: App) -> App:
    """What patients see of an app: no redirect URIs nor client authentication."""
    if caller.actor_type == OPERATOR:
        return app
    return replace(app, redirect_uris=(), client_auth_method="")
