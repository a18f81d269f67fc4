"""Who is signed in, and the token for a call: the person's own access token, refreshed with her
refresh token when it has expired, or, while she acts for someone (a child, a person she cares
for), the delegate token identity issued for that profile, issued again when it has expired.

Patient pages take `@signed_in`, professional pages `@professional`: each refuses the other kind of
session (403 page), and a page that needs a session and has none sends the person to its login
page, which brings her back to the page she asked for."""
from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.gateway import Gateway, GatewayError, gateway_of
from portal.session import PATIENT, PROFESSIONAL, Session, epoch, session_of, start_signed_in

REFRESH_MARGIN_SECONDS = 30


class SignInRequired(Exception):
    """No session, an expired one, or tokens the platform no longer accepts."""


class WrongKindOfSession(Exception):
    """A patient's session on a professional page, or the other way round."""

    def __init__(self, kind: str):
        self.kind = kind            # the kind of session the page needs


@dataclass(frozen=True)
class Caller:
    token: str                  # for the space shown: the own token, or the delegate token while acting for someone
    account_id: str             # the signed-in person's own account (or professional) id
    kind: str                   # PATIENT or PROFESSIONAL
    patient_id: str             # the space the patient pages show: account_id, or the profile acted for
    own_token: str              # the person's own token (her account, her delegations), even while acting for someone
    acting_for: str = ""        # the display name of the profile acted for, "" for her own space

    @property
    def delegate(self) -> bool:
        return self.patient_id != self.account_id


async def caller(request: Request, *, now: float | None = None) -> Caller:
    session = session_of(request)
    tokens = session.get("tokens")
    if not isinstance(tokens, dict):
        raise SignInRequired
    gateway = gateway_of(request)
    now = time.time() if now is None else now
    if now >= float(tokens.get("access_expires", 0)) - REFRESH_MARGIN_SECONDS:
        tokens = await _refresh(gateway, session, tokens, now)
    own = tokens["access"]
    kind = tokens.get("kind", PATIENT)
    acting = session.get("acting_for")
    if not isinstance(acting, dict) or kind != PATIENT:
        return Caller(own, tokens["account_id"], kind, tokens["account_id"], own)
    if now >= float(acting.get("expires", 0)) - REFRESH_MARGIN_SECONDS:
        acting = await act_for(request, own, acting["patient_id"], acting.get("name", ""), now)
        if acting is None:
            return Caller(own, tokens["account_id"], kind, tokens["account_id"], own)
    return Caller(acting["token"], tokens["account_id"], kind, acting["patient_id"], own, acting.get("name", ""))


async def act_for(request: Request, own_token: str, patient_id: str, name: str,
                  now: float | None = None) -> dict | None:
    """Start (or renew) acting for `patient_id`: its delegate token kept in the session. None, and
    back to her own space, when the delegation no longer allows it (ended, revoked, the child of age)."""
    session = session_of(request)
    try:
        issued = await gateway_of(request).call("POST", f"/v1/profiles/{patient_id}:actFor",
                                                      token=own_token, json={})
    except GatewayError as exc:
        if exc.status not in (403, 404, 400):
            raise
        session.pop("acting_for")
        session["notice"] = f"Vous ne pouvez plus agir pour {name or 'ce profil'} : vous êtes revenu(e) à votre espace."
        return None
    now = time.time() if now is None else now
    acting = {"patient_id": issued.get("patientId", patient_id), "token": issued["accessToken"],
              "expires": epoch(issued.get("accessTokenExpiresAt"), now + 60), "name": name}
    session["acting_for"] = acting
    return acting


class Refreshes:
    """One refresh per refresh token in this process: requests of one session that arrive together
    (two tabs, a page and the bell's poll) share the first one's answer, since identity treats a
    second use of a rotated refresh token as theft and ends the session."""

    KEEP_SECONDS = 30.0

    def __init__(self):
        self._locks: dict[str, asyncio.Lock] = {}
        self._answers: dict[str, tuple[float, dict]] = {}

    async def renew(self, gateway: Gateway, refresh_token: str) -> dict:
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            for old in [k for k, (at, _) in self._answers.items() if now - at > self.KEEP_SECONDS]:
                del self._answers[old]
                self._locks.pop(old, None)
            if key in self._answers:
                return self._answers[key][1]
            try:
                renewed = await gateway.call("POST", "/v1/sessions:refresh", json={"refresh_token": refresh_token})
            except GatewayError:
                self._locks.pop(key, None)
                raise
            self._answers[key] = (now, renewed)
            return renewed


REFRESHES = Refreshes()


async def _refresh(gateway: Gateway, session: Session, tokens: dict, now: float) -> dict:
    try:
        renewed = await REFRESHES.renew(gateway, tokens["refresh"])
    except GatewayError as exc:
        if exc.status in (400, 401, 403):
            session.clear()
            raise SignInRequired from None
        raise
    csrf = session.get("csrf")
    start_signed_in(session, renewed, now)
    session["csrf"] = csrf            # the forms already on screen stay valid
    return session["tokens"]


LOGIN_PAGES = {PATIENT: "/connexion", PROFESSIONAL: "/pro/connexion"}


def sign_in_redirect(request: Request, kind: str = PATIENT) -> Response:
    suite = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        suite = "/pro" if kind == PROFESSIONAL else "/"
    return RedirectResponse(LOGIN_PAGES[kind] + "?" + urlencode({"suite": suite}), 303)


def _page_for(kind: str):
    def decorate(page: Callable[[Request, Caller], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        @wraps(page)
        async def endpoint(request: Request) -> Response:
            try:
                who = await caller(request)
                if who.kind != kind:
                    raise WrongKindOfSession(kind)
                return await page(request, who)
            except SignInRequired:
                return sign_in_redirect(request, kind)
            except GatewayError as exc:
                if exc.status != 401:
                    raise
                session_of(request).clear()
                return sign_in_redirect(request, kind)
        return endpoint
    return decorate


signed_in = _page_for(PATIENT)
"""A patient page (her own space, or the profile she acts for): called with the caller."""
professional = _page_for(PROFESSIONAL)
"""A professional page: called with the caller (patient_id is then the professional's own id)."""
