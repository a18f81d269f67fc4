"""Page sizes and opaque page tokens for lists read by offset (the token is checked when it comes back)."""
from __future__ import annotations

import base64

from meskit.errors import InvalidArgument

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


def page(page_size: int, page_token: str, *, default: int = DEFAULT_PAGE_SIZE,
         maximum: int = MAX_PAGE_SIZE) -> tuple[int, int]:
    """(offset, limit) of the page asked for; ask the store for limit + 1 rows (next_token)."""
    if page_size < 0:
        raise InvalidArgument("page_size : positif ou nul", reason="PAGE_SIZE")
    limit = min(page_size or default, maximum)
    if not page_token:
        return 0, limit
    try:
        kind, _, raw = base64.urlsafe_b64decode(page_token.encode("ascii")).decode("ascii").partition(":")
        offset = int(raw)
    except (ValueError, UnicodeError):
        raise InvalidArgument("Jeton de page invalide", reason="PAGE_TOKEN") from None
    if kind != "o" or offset < 0:
        raise InvalidArgument("Jeton de page invalide", reason="PAGE_TOKEN")
    return offset, limit


def next_token(offset: int, limit: int, found: int) -> str:
    """Asked for limit + 1 rows: one more means a next page."""
    if found <= limit:
        return ""
    return base64.urlsafe_b64encode(f"o:{offset + limit}".encode("ascii")).decode("ascii")
