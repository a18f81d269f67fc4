"""Listing: filters, sort orders and keyset pagination over the documents a caller may see (pure).

The caller's documents are filtered and decided one by one before sorting, so pages are always
full and a page token never reveals a document the caller may not see. A page token is opaque
(base64 JSON of the sort order and the last row's sort key); a token of another sort order, or
one that is not ours, is refused.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from meskit.errors import InvalidArgument

from documents.domain.models import Document

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
class Page:
    documents: list[Document] = field(default_factory=list)
    next_page_token: str = ""


def sort_key(d: Document, sort: str) -> list:
    """Ascending key of the order; descending orders compare it reversed. The id breaks ties."""
    if sort in (DATE_DESC, DATE_ASC):
        return [d.document_date.isoformat(), d.created_at.isoformat(), d.document_id]
    if sort in (TITLE_ASC, TITLE_DESC):
        return [d.title.casefold(), d.document_date.isoformat(), d.document_id]
    return [d.author.display_name.casefold(), d.document_date.isoformat(), d.document_id]


def _descending(sort: str) -> bool:
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


def paginate(documents: Iterable[Document], *, sort: str = DATE_DESC, page_size: int = 0,
             page_token: str = "") -> Page:
    """Sort the (already filtered and permitted) documents and cut the page after `page_token`."""
    if sort not in SORTS:
        raise InvalidArgument("Tri inconnu")
    size = page_size_of(page_size)
    after = decode_token(page_token, sort)
    descending = _descending(sort)
    ordered = sorted(documents, key=lambda d: sort_key(d, sort), reverse=descending)
    if after is not None:
        ordered = [d for d in ordered if (sort_key(d, sort) < after if descending else sort_key(d, sort) > after)]
    page = ordered[:size]
    token = encode_token(sort, sort_key(page[-1], sort)) if len(ordered) > size else ""
    return Page(page, token)
