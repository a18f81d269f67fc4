"""Listing: filters, sort orders and keyset pagination over the documents a caller may see (pure).

The query filters, sorts and cuts the rows (repository.page_documents), narrowed to what the
caller could read (Reach); each row fetched is then decided by itself, and the use case fetches
further until the page is full: pages are always full and a page token never reveals a document
the caller may not see. A page token is opaque
(base64 JSON of the sort order and the last row's sort key); a token of another sort order, or
one that is not ours, is refused.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from meskit.errors import InvalidArgument

from documents.domain.access import ActorType, Mode
from documents.domain.models import Document

if TYPE_CHECKING:
    from documents.domain.actors import Who

DATE_DESC, DATE_ASC, TITLE_ASC, TITLE_DESC, AUTHOR_ASC, AUTHOR_DESC = (
    "date_desc", "date_asc", "title_asc", "title_desc", "author_asc", "author_desc")
SORTS = (DATE_DESC, DATE_ASC, TITLE_ASC, TITLE_DESC, AUTHOR_ASC, AUTHOR_DESC)
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


@dataclass(frozen=True, kw_only=True)
class Filters:
    categories: frozenset[str] = frozenset()
    type_codes: frozenset[str] = frozenset()
    class_codes: frozenset[str] = frozenset()
    author_id: str = ""
    author_types: frozenset[str] = frozenset()     # access.AuthorType values
    pinned_only: bool = False
    folder_id: str = ""
    include_deleted: bool = False

    def matches(self, d: Document) -> bool:
        return ((not self.categories or d.category in self.categories)
                and (not self.type_codes or d.type_code in self.type_codes)
                and (not self.class_codes or d.class_code in self.class_codes)
                and (not self.author_id or self.author_id in (d.author.id, d.author.delegate_account_id))
                and (not self.author_types or d.author.type in self.author_types)
                and (not self.pinned_only or d.pinned)
                and (not self.folder_id or d.folder_id == self.folder_id)
                and (self.include_deleted or not d.deleted))


@dataclass(frozen=True)
class Reach:
    """Which rows a caller could possibly read, for the query: a superset, each row fetched is still
    decided by itself. `everything`: no narrowing; else what `authored_by` filed, and the types
    `type_codes` the matrix lets the caller read (empty when the caller reads none of them)."""
    everything: bool = True
    authored_by: str = ""
    type_codes: frozenset[str] = frozenset()


def reach_of(w: Who, mode: Mode) -> Reach:
    """A professional reads what they filed, and otherwise only types of their matrix column, and
    only if not blocked and (in the normal mode) in the care team (access.decide)."""
    actor, settings = w.actor, w.context.settings
    if actor.type != ActorType.PROFESSIONAL:
        return Reach()
    readable: frozenset[str] = frozenset()
    if actor.id not in settings.blocked_professional_ids and (mode != Mode.NORMAL or actor.id in settings.care_team_ids):
        groups = w.matrix.groups_of(actor.profession_code)
        readable = frozenset(code for code, row in w.matrix.types.items()
                             if groups and all(g in row.readers for g in groups))
    return Reach(everything=False, authored_by=actor.id, type_codes=readable)


def descending(sort: str) -> bool:
    return sort in (DATE_DESC, TITLE_DESC, AUTHOR_DESC)


def encode_token(sort: str, key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": sort, "k": key}, separators=(",", ":")).encode()).decode()


def decode_token(token: str, sort: str) -> list | None:
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
        key = data["k"]
        if data["s"] != sort or not isinstance(key, list) or len(key) != 3 or not all(isinstance(k, str) for k in key):
            raise ValueError
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument("Jeton de page invalide pour ce tri", reason="INVALID_PAGE_TOKEN") from exc
    return key


def page_size_of(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size doit être positif")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise InvalidArgument("Tri inconnu")
    return sort


def by_date(sort: str) -> bool:
    return sort in (DATE_DESC, DATE_ASC)


def after_values(sort: str, key: list[str] | None) -> tuple | None:
    """The token's key as the query compares it: (text or date, date or instant, id)."""
    if key is None:
        return None
    try:
        if by_date(sort):
            return date.fromisoformat(key[0]), datetime.fromisoformat(key[1]), key[2]
        return key[0], date.fromisoformat(key[1]), key[2]
    except ValueError as exc:
        raise InvalidArgument("Jeton de page invalide pour ce tri", reason="INVALID_PAGE_TOKEN") from exc
