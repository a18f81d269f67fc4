"""Posted forms: parsed with their size bounded, and refused (403) without this session's CSRF token."""
from __future__ import annotations

from starlette.requests import Request

from portal.session import CSRF_FIELD, csrf_valid, session_of


class CsrfRefused(Exception):
    """A form without this session's CSRF token (forged, from another site, or the session lost)."""


async def posted(request: Request, *, max_files: int = 0, max_part_size: int = 64 * 1024):
    form = await request.form(max_files=max_files, max_fields=30, max_part_size=max_part_size)
    if not csrf_valid(session_of(request), form.get(CSRF_FIELD)):
        raise CsrfRefused
    return form


def text_fields(form) -> dict[str, str]:
    return {name: value for name, value in form.items() if isinstance(value, str)}
