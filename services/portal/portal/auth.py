"""The signed-in person's access token for a call, refreshed with the refresh token when it has
expired; a page that needs a session and has none sends the person to the login page, which
brings her back to the page she asked for."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.gateway import Gateway, GatewayError
from portal.session import Session, session_of, start_signed_in

REFRESH_MARGIN_SECONDS = 30


class SignInRequired(Exception):
    """No session, an expired one, or tokens the platform no longer accepts."""


@dataclass(frozen=True)
class Caller:
    token: str
    account_id: str


async def caller(request: Request, *, now: float | None = None) -> Caller:
    session = session_of(request)
    tokens = session.get("tokens")
    if not isinstance(tokens, dict):
        raise SignInRequired
    now = time.time() if now is None else now
    if now >= float(tokens.get("access_expires", 0)) - REFRESH_MARGIN_SECONDS:
        tokens = await _refresh(request.app.state.gateway, session, tokens, now)
    return Caller(tokens["access"], tokens["account_id"])


async def _refresh(gateway: Gateway, session: Session, tokens: dict, now: float) -> dict:
    try:
        renewed = await gateway.call("POST", "/v1/sessions:refresh", json={"refresh_token": tokens["refresh"]})
    except GatewayError as exc:
        if exc.status in (400, 401, 403):
            session.clear()
            raise SignInRequired from None
        raise
    csrf = session.get("csrf")
    start_signed_in(session, renewed, now)
    session["csrf"] = csrf            # the forms already on screen stay valid
    return session["tokens"]


def sign_in_redirect(request: Request) -> Response:
    suite = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        suite = "/"
    return RedirectResponse("/connexion?" + urlencode({"suite": suite}), 303)


def signed_in(page: Callable[[Request, Caller], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A page for signed-in people: called with the caller; a lost session goes to the login page
    (also when the gateway answers 401 to the caller's token)."""
    @wraps(page)
    async def endpoint(request: Request) -> Response:
        try:
            return await page(request, await caller(request))
        except SignInRequired:
            return sign_in_redirect(request)
        except GatewayError as exc:
            if exc.status != 401:
                raise
            session_of(request).clear()
            return sign_in_redirect(request)
    return endpoint
