"""identity's token keys, read from its key files and rotated without a restart.

`SIGNING_KEY_FILE` holds the current key, `PREVIOUS_SIGNING_KEY_FILE` (optional) the one it
replaced. Both are watched (meskit.secret_files). A new current key is published at once, and
signs once its file is `activation` seconds old: every replica has read it by then (the kubelet
updates each pod's Secret volume within about a minute), so a token of the new key never reaches a
verifier whose identity does not publish it yet. The key it replaces, like the previous file's,
stays published `retention` seconds (the longest token lifetime plus `activation`, for the
replicas that switched later), then is withdrawn: its tokens have all expired.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from meskit.auth import Caller, TokenSigner
from meskit.secret_files import WatchedFile


class SigningKeys:
    def __init__(self, current_file: str, previous_file: str, *, issuer: str, audience: str, ttl_seconds: int,
                 retention_seconds: float, activation_seconds: float, poll_seconds: float,
                 clock: Callable[[], float] = time.time):
        def signer(pem: bytes) -> TokenSigner:
            return TokenSigner(pem, issuer=issuer, audience=audience, ttl_seconds=ttl_seconds)
        self.ttl_seconds = ttl_seconds
        self._retention, self._activation, self._clock = retention_seconds, activation_seconds, clock
        self._current = WatchedFile(current_file, signer, interval=poll_seconds)
        self._previous = WatchedFile(previous_file, signer, interval=poll_seconds, optional=True) \
            if previous_file else None
        self._lock = threading.Lock()
        self._retired: dict[str, tuple[dict, float]] = {}      # kid -> (public JWK, published until)
        self._known: set[str] = set()                         # every kid this process has published
        current, previous = self._current.value(), self._previous_key()
        assert current is not None
        self._signing = previous if previous is not None and not self._active() else current
        self._refresh()

    def sign(self, caller: Caller, *, ttl_seconds: int | None = None, now: float | None = None) -> tuple[str, int]:
        with self._lock:
            self._refresh()
            signing = self._signing
        return signing.sign(caller, ttl_seconds=ttl_seconds, now=now)

    def jwks(self) -> dict:
        with self._lock:
            self._refresh()
            current = self._current.value()
            keys = [self._signing.public_jwk]
            if current is not None and current.kid != self._signing.kid:
                keys.append(current.public_jwk)                  # published before it signs
            keys += [jwk for kid, (jwk, _) in self._retired.items() if kid not in {k["kid"] for k in keys}]
        return {"keys": keys}

    def _previous_key(self) -> TokenSigner | None:
        return self._previous.value() if self._previous is not None else None

    def _active(self) -> bool:
        return self._clock() >= self._current.modified + self._activation

    def _refresh(self) -> None:
        now = self._clock()
        current, previous = self._current.value(), self._previous_key()
        assert current is not None
        if previous is not None and previous.kid not in self._known:     # published from first sight
            self._retired[previous.kid] = (previous.public_jwk, now + self._retention)
        if current.kid != self._signing.kid and self._active():
            self._retired[self._signing.kid] = (self._signing.public_jwk, now + self._retention)
            self._signing = current
        self._retired.pop(self._signing.kid, None)
        self._known |= {self._signing.kid, current.kid, *self._retired}
        for kid in [kid for kid, (_, until) in self._retired.items() if until <= now]:
            del self._retired[kid]
