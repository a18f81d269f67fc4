"""What a referenced app must be (catalogue.proto's comments): each bad field named."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from meskit.errors import Violations

from identity.domain.catalogue_models import (AGENDA, APP_STATUSES, CLIENT_SECRET_BASIC, CLIENT_SECRET_POST,
                                              DOCUMENTS, MEASURES, READ, WRITE, Exchange, Purpose)

PURPOSE_CODE = re.compile(r"^[A-Z0-9_]{1,64}$")
CATEGORY = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
THEME = re.compile(r"^[A-Z0-9_]{1,50}$")
REGION = re.compile(r"^[0-9][0-9AB]{1,2}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_PURPOSES, MAX_EXCHANGES, MAX_CATEGORIES, MAX_REDIRECT_URIS, MAX_THEMES, MAX_REGIONS = 20, 20, 50, 10, 20, 20
PERIMETERS, ACTIONS = (MEASURES, DOCUMENTS, AGENDA), (READ, WRITE)
AUTH_METHODS = (CLIENT_SECRET_BASIC, CLIENT_SECRET_POST)


@dataclass(frozen=True)
class AppFields:
    """An app as an operator describes it ("" for an unknown enum value, None for an unset one)."""
    name: str
    publisher: str
    description: str
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    status: str | None
    purposes: tuple[Purpose, ...]
    redirect_uris: tuple[str, ...]
    client_auth_method: str | None
    website_url: str


def check_app(v: Violations, app: AppFields, *, partial: bool = False) -> None:
    """`partial` (UpdateApp): name, publisher and status may be left empty (kept)."""
    if not partial:
        v.require(app.name, "app.name")
        v.require(app.publisher, "app.publisher")
    v.max_length(app.name, "app.name", 100)
    v.max_length(app.publisher, "app.publisher", 100)
    v.max_length(app.description, "app.description", 4000)
    if app.status == "":
        v.add("app.status", "statut inconnu")
    if app.client_auth_method == "":
        v.add("app.client_auth_method", "méthode d'authentification inconnue")
    _check_list(v, app.themes, "app.themes", MAX_THEMES, THEME, "thème : lettres majuscules, chiffres et _")
    _check_list(v, app.regions, "app.regions", MAX_REGIONS, REGION, "code de région INSEE attendu")
    _check_purposes(v, app.purposes)
    if not app.redirect_uris:
        v.add("app.redirect_uris", "au moins une URI de redirection")
    if len(app.redirect_uris) > MAX_REDIRECT_URIS:
        v.add("app.redirect_uris", f"{MAX_REDIRECT_URIS} URI au plus")
    for i, uri in enumerate(app.redirect_uris):
        if not redirect_uri_ok(uri):
            v.add(f"app.redirect_uris[{i}]", "URI absolue en https (http pour une adresse de bouclage seulement), "
                                             "sans fragment")
    if app.website_url and not _https(app.website_url):
        v.add("app.website_url", "adresse https attendue")
    v.max_length(app.website_url, "app.website_url", 500)


def _check_list(v: Violations, values: tuple[str, ...], name: str, limit: int, pattern: re.Pattern, what: str) -> None:
    if len(values) > limit:
        v.add(name, f"{limit} valeurs au plus")
    for i, value in enumerate(values):
        if not pattern.match(value):
            v.add(f"{name}[{i}]", what)


def _check_purposes(v: Violations, purposes: tuple[Purpose, ...]) -> None:
    if not purposes:
        v.add("app.purposes", "au moins une finalité")
    if len(purposes) > MAX_PURPOSES:
        v.add("app.purposes", f"{MAX_PURPOSES} finalités au plus")
    seen: set[str] = set()
    for i, p in enumerate(purposes):
        where = f"app.purposes[{i}]"
        if not PURPOSE_CODE.match(p.code):
            v.add(f"{where}.code", "code : lettres majuscules, chiffres et _ (64 au plus)")
        elif p.code in seen:
            v.add(f"{where}.code", "code en double")
        seen.add(p.code)
        v.require(p.label, f"{where}.label")
        v.max_length(p.label, f"{where}.label", 200)
        v.max_length(p.description, f"{where}.description", 2000)
        if not p.exchanges:
            v.add(f"{where}.exchanges", "au moins un échange de données")
        if len(p.exchanges) > MAX_EXCHANGES:
            v.add(f"{where}.exchanges", f"{MAX_EXCHANGES} échanges au plus")
        for j, e in enumerate(p.exchanges):
            _check_exchange(v, e, f"{where}.exchanges[{j}]")


def _check_exchange(v: Violations, e: Exchange, where: str) -> None:
    if e.perimeter not in PERIMETERS:
        v.add(f"{where}.perimeter", "périmètre obligatoire")
    if e.action not in ACTIONS:
        v.add(f"{where}.action", "action obligatoire (lecture ou écriture)")
    if not e.categories:
        v.add(f"{where}.categories", "au moins une catégorie de données")
    if len(e.categories) > MAX_CATEGORIES:
        v.add(f"{where}.categories", f"{MAX_CATEGORIES} catégories au plus")
    for k, category in enumerate(e.categories):
        if not CATEGORY.match(category):
            v.add(f"{where}.categories[{k}]", "catégorie invalide")


def redirect_uri_ok(uri: str) -> bool:
    if len(uri) > 500:
        return False
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or not parts.hostname or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def _https(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


def known_status(status: str) -> bool:
    return status in APP_STATUSES
