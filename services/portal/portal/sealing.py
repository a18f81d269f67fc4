"""The session cookie's value: a JSON object encrypted and authenticated as a JWE (dir + A256GCM)
with a key derived from SESSION_SECRET, carrying its own expiry. A forged, altered, foreign or
expired value opens as nothing."""
from __future__ import annotations

import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

_HEADER = {"alg": "dir", "enc": "A256GCM"}
_ALGORITHMS = ["dir", "A256GCM"]
MAX_COOKIE_CHARS = 4000     # browsers keep at most 4096 bytes per cookie


def derive_key(secret: str) -> OctKey:
    """32 bytes for A256GCM from the secret, bound to this use (HKDF-SHA256)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"mes-portal session cookie v1").derive(secret.encode())
    return OctKey.import_key(raw)


class CookieSealer:
    def __init__(self, secret: str):
        self._key = derive_key(secret)

    def seal(self, data: dict, *, now: float, max_age: float) -> str:
        payload = json.dumps({"exp": int(now + max_age), "data": data}, separators=(",", ":")).encode()
        sealed = jwe.encrypt_compact(_HEADER, payload, self._key, algorithms=_ALGORITHMS)
        if len(sealed) > MAX_COOKIE_CHARS:
            raise ValueError("session too large for a cookie")
        return sealed

    def open(self, value: str, *, now: float) -> dict | None:
        """The data sealed in `value`, or None when it is forged, altered or expired."""
        if not value or len(value) > MAX_COOKIE_CHARS:
            return None
        try:
            payload = json.loads(jwe.decrypt_compact(value, self._key, algorithms=_ALGORITHMS).plaintext or b"")
        except (JoseError, ValueError, TypeError):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            return None
        expires = payload.get("exp")
        if not isinstance(expires, int) or expires <= now:
            return None
        return payload["data"]
