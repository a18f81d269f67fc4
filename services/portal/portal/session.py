"""The signed-in person's session, kept in the browser in one sealed cookie (nothing server-side):
the CSRF token of the forms, the access and refresh tokens, the login challenge in progress and a
message for the next page. HttpOnly, SameSite=Lax, Secure when the public URL is https."""
from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie

import jwt

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.sealing import CookieSealer

COOKIE = "mes_session"
PATIENT = "patient"
PROFESSIONAL = "professional"
IDLE_SECONDS = 30 * 60     # a session unused this long is over (shared computers)
CSRF_FIELD = "csrf"


class Session(dict):
    """The cookie's data; the middleware writes the cookie back when a page changed it."""

    def __init__(self, data: dict | None = None):
        super().__init__(data or {})
        self.modified = False

    def __setitem__(self, key, value):
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.modified = True
        super().__delitem__(key)

    def pop(self, key, default=None):
        if key in self:
            self.modified = True
        return super().pop(key, default)

    def clear(self):
        self.modified = True
        super().clear()


def session_of(request: Request) -> Session:
    return request.scope["session"]


def csrf_token(session: Session) -> str:
    """The token every form of this session carries (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_valid(session: Session, offered: object) -> bool:
    expected = session.get(CSRF_FIELD)
    return (isinstance(expected, str) and bool(expected) and isinstance(offered, str)
            and hmac.compare_digest(expected.encode(), offered.encode()))


def start_signed_in(session: Session, tokens: dict, now: float) -> None:
    """Keep a login's or a refresh's tokens (the gateway's Session JSON); a new CSRF token too."""
    session.pop("challenge")
    session["tokens"] = {"access": tokens["accessToken"], "refresh": tokens["refreshToken"],
                         "access_expires": epoch(tokens.get("accessTokenExpiresAt"), now + 60),
                         "account_id": tokens.get("accountId", ""), "kind": kind_of(tokens["accessToken"])}
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def kind_of(access_token: str) -> str:
    """PROFESSIONAL or PATIENT, from the token's actor claim. Read without verifying the signature:
    it only chooses which pages to show; every service verifies the token it is given."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return PATIENT
    return PROFESSIONAL if claims.get("actor") == PROFESSIONAL else PATIENT


def epoch(rfc3339: str | None, default: float) -> float:
    from datetime import datetime
    if not rfc3339:
        return default
    try:
        return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default


class SessionMiddleware:
    """Opens the cookie into `scope["session"]` and seals it again on the way out when the page
    changed it, or to slide its idle expiry. A cookie that does not open is an empty session."""

    def __init__(self, app: ASGIApp, sealer: CookieSealer, secure: bool, clock: Callable[[], float] = time.time):
        self.app, self.sealer, self.secure, self.clock = app, sealer, secure, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/assets/"):
            await self.app(scope, receive, send)
            return
        now = self.clock()
        raw = _cookie(scope, COOKIE)
        data = self.sealer.open(raw, now=now) if raw else None
        session = Session(data)
        scope["session"] = session
        had_cookie = raw is not None

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if session:
                    if session.modified or data is not None:
                        headers.append("set-cookie", self._cookie_header(
                            self.sealer.seal(dict(session), now=self.clock(), max_age=IDLE_SECONDS)))
                elif had_cookie:
                    headers.append("set-cookie", self._cookie_header("", max_age=0))
            await send(message)

        await self.app(scope, receive, sending)

    def _cookie_header(self, value: str, max_age: int | None = None) -> str:
        parts = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:   # a malformed Cookie header is no session
                return None
            if name in jar:
                return jar[name].value
    return None
