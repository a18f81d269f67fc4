"""The pairing's state between its pages, in a cookie identity encrypts and authenticates (JWE,
dir + A256GCM, joserfc): the authorization request, the step reached, the login's challenge, the
patient once her code is checked, and the CSRF token its forms carry. Never a password."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

COOKIE = "mes_oauth_pairing"
LIFETIME_SECONDS = 900
ALGORITHMS = {"alg": "dir", "enc": "A256GCM"}


def key_from(secret: bytes) -> bytes:
    """A 256-bit key of its own, derived from one of identity's secrets."""
    return hmac.new(secret, b"mes-identity oauth pairing state v1", hashlib.sha256).digest()


class FlowState:
    def __init__(self, key: bytes, clock=time.time):
        self._key = OctKey.import_key(key)
        self._clock = clock

    def seal(self, state: dict) -> str:
        payload = {**state, "exp": int(self._clock()) + LIFETIME_SECONDS}
        return jwe.encrypt_compact(ALGORITHMS, json.dumps(payload).encode(), self._key)

    def open(self, sealed: str) -> dict | None:
        """The state, or None when absent, altered or over."""
        if not sealed or len(sealed) > 4000:
            return None
        try:
            state = json.loads(jwe.decrypt_compact(sealed, self._key, algorithms=["dir", "A256GCM"]).plaintext or b"")
        except (JoseError, ValueError, TypeError):
            return None
        if not isinstance(state, dict) or int(state.get("exp", 0)) < self._clock():
            return None
        return state

    def cookie(self, sealed: str, *, secure: bool) -> str:
        attributes = f"{COOKIE}={sealed}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age={LIFETIME_SECONDS}"
        return attributes + ("; Secure" if secure else "")

    @staticmethod
    def cleared(*, secure: bool) -> str:
        return f"{COOKIE}=; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=0" + ("; Secure" if secure else "")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def same_token(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
