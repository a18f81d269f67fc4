"""Access tokens at the edge: the JWKS is kept fresh from identity without blocking the loop."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import jwt

from gateway import problems
from meskit.auth import Caller, TokenVerifier, bearer_token
from meskit.errors import Unauthenticated

log = logging.getLogger("gateway.tokens")


class Keys:
    """The last JWKS fetched; refreshed on an unknown key id (rotation) or when old.

    `current` is what TokenVerifier calls; it never does I/O. `refresh` runs at most one fetch
    at a time and at most every `min_interval` seconds, so bogus key ids cannot flood identity; a
    token of a key identity has just published waits for the next fetch rather than being refused.
    """

    def __init__(self, fetch: Callable[[], Awaitable[dict]], *, min_interval: float = 2.0,
                 max_age: float = 300.0):
        self._fetch, self._min_interval, self._max_age = fetch, min_interval, max_age
        self._jwks: dict | None = None
        self._kids: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._started_at = float("-inf")       # the last fetch began then, answered or not
        self._task: asyncio.Task | None = None
        self.generation = 0          # bumped whenever the set of keys changes

    @property
    def loaded(self) -> bool:
        return self._jwks is not None

    def current(self) -> dict:
        if self._jwks is None:
            raise LookupError("no JWKS yet")
        return self._jwks

    def knows(self, kid: str) -> bool:
        return kid in self._kids

    def stale(self) -> bool:
        return time.monotonic() - self._fetched_at > self._max_age

    async def refresh(self) -> None:
        """Returns once a fetch begun after this call has ended (waiting for `min_interval`)."""
        asked_at = time.monotonic()
        while self._started_at < asked_at:
            if self._task is None:
                wait = self._started_at + self._min_interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                self._start()
            assert self._task is not None
            await asyncio.shield(self._task)

    def refresh_soon(self) -> None:
        if self._task is None and time.monotonic() - self._started_at >= self._min_interval:
            self._start()

    def _start(self) -> None:
        self._started_at = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._load())

    async def _load(self) -> None:
        try:
            jwks = await self._fetch()
            kids = frozenset(k.get("kid", "") for k in jwks.get("keys", []))
            if jwks != self._jwks:
                self.generation += 1
            self._jwks, self._kids = jwks, kids
            self._fetched_at = time.monotonic()
        except Exception as exc:  # identity unreachable: keep the keys we have
            log.warning("cannot fetch the JWKS", extra={"error": type(exc).__name__})
        finally:
            self._task = None


class Authenticator:
    """Verifies bearer tokens; a token already verified is trusted again until it expires.

    Verifying costs ~0.5 ms of CPU here (Ed25519 plus PyJWT), and clients reuse one token for
    many requests: TokenVerifier keeps the verified ones (keyed by the whole token, signature
    included, bounded). A new verifier replaces it whenever the published keys change, so a
    withdrawn key stops working at once.
    """

    def __init__(self, keys: Keys, *, issuer: str, audience: str):
        self._keys, self._issuer, self._audience = keys, issuer, audience
        self._generation = keys.generation
        self._verifier = self._new_verifier()

    def _new_verifier(self) -> TokenVerifier:
        return TokenVerifier(self._keys.current, issuer=self._issuer, audience=self._audience, refetch_interval=0)

    def _follow_keys(self) -> None:
        """Other keys published: what was verified with the old ones is forgotten."""
        if self._generation != self._keys.generation:
            self._generation, self._verifier = self._keys.generation, self._new_verifier()

    async def caller(self, authorization: str | None) -> Caller:
        token = bearer_token(authorization)
        if token is None:
            raise problems.unauthenticated("Authentification requise", "TOKEN_MISSING", token_present=False)
        if self._keys.stale():
            self._keys.refresh_soon()
        self._follow_keys()
        known = self._verifier.verified(token)
        if known is not None:
            return known
        try:
            kid = str(jwt.get_unverified_header(token).get("kid", ""))
        except jwt.PyJWTError:
            raise problems.unauthenticated("Jeton invalide", "TOKEN_INVALID") from None
        if not self._keys.knows(kid):
            await self._keys.refresh()
            if not self._keys.loaded:   # identity unreachable since start: the token may be fine
                raise problems.Problem(503, "Vérification des jetons momentanément impossible", "UNAVAILABLE",
                                       reason="JWKS_UNAVAILABLE",
                                       headers={"retry-after": problems.UNAVAILABLE_RETRY_AFTER})
            self._follow_keys()
        try:
            return self._verifier.verify(token)
        except Unauthenticated as exc:
            raise problems.unauthenticated(exc.message, exc.reason or "TOKEN_INVALID") from None
