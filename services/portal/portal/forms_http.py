"""Posted forms: refused (413) without a Content-Length or beyond their size (browsers always send
one, and the server reads no more than it says), parsed, and refused (403) without this session's
CSRF token."""
from __future__ import annotations

from starlette.requests import Request

from portal.session import CSRF_FIELD, csrf_valid, session_of


class CsrfRefused(Exception):
    """A form without this session's CSRF token (forged, from another site, or the session lost)."""


class BodyRefused(Exception):
    """A form body without a Content-Length, or larger than the form may be."""


FORM_BYTES = 64 * 1024


async def posted(request: Request, *, max_files: int = 0, max_part_size: int = FORM_BYTES,
                 max_body: int = FORM_BYTES):
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > max_body:
        raise BodyRefused
    form = await request.form(max_files=max_files, max_fields=30, max_part_size=max_part_size)
    if not csrf_valid(session_of(request), form.get(CSRF_FIELD)):
        raise CsrfRefused
    return form


def text_fields(form) -> dict[str, str]:
    return {name: value for name, value in form.items() if isinstance(value, str)}
