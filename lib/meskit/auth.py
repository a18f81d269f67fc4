"""Access tokens: who is calling, signed by identity, verified by every service.

Tokens are short-lived JWTs signed with Ed25519 (EdDSA); verifiers know the public keys as a
JWKS. The caller of the current request is available to handlers through `current_caller()`.
"""
from __future__ import annotations

import contextvars
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meskit.errors import PermissionDenied, Unauthenticated

log = logging.getLogger("meskit.auth")

PATIENT = "patient"
PROFESSIONAL = "professional"
DELEGATE = "delegate"
SUPPORT = "support"
OPERATOR = "operator"
SERVICE = "service"
APP = "app"                        # a connected app of the catalogue, acting for the holder who paired it
ACTOR_TYPES = frozenset({PATIENT, PROFESSIONAL, DELEGATE, SUPPORT, OPERATOR, SERVICE, APP})
# The claim naming the actor type. `act` is RFC 8693's actor claim: on a delegate's token,
# {"sub": <delegate id>, "delegation": <kind>, "scope": [...]}, the token's `sub` being the person acted for.
# An app's token (RFC 9068): `sub` the holder, `client_id` the app, `scope` its consented purposes.
ACTOR_CLAIM = "actor"


@dataclass(frozen=True)
class Caller:
    actor_type: str
    subject: str                   # account id, professional id, service name or app id
    token_id: str = ""
    profession_code: str = ""      # TRE_G15 code, professionals only
    rpps: str = ""                 # RPPS number, professionals only
    on_behalf_of: str = ""         # patient account id, delegates and apps only
    delegation: str = ""           # delegates: LEGAL_REPRESENTATION or CAREGIVING ("" when not stated)
    scopes: tuple[str, ...] = ()   # delegates: what the delegation allows (act.scope); apps: purposes

    def require(self, *actor_types: str) -> None:
        if self.actor_type not in actor_types:
            raise PermissionDenied("Action non autorisée pour ce type de compte")


_current: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def current_caller() -> Caller:
    caller = _current.get()
    if caller is None:
        raise Unauthenticated("Authentification requise")
    return caller


def set_current_caller(caller: Caller | None) -> contextvars.Token:
    return _current.set(caller)


def reset_current_caller(token: contextvars.Token) -> None:
    _current.reset(token)


def generate_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


class TokenSigner:
    def __init__(self, private_key_pem: bytes, *, issuer: str, audience: str, ttl_seconds: int):
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 private key")
        self._key = key
        self._issuer, self._audience, self.ttl_seconds = issuer, audience, ttl_seconds
        public_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
        self.kid = jwt.PyJWK(public_jwk, "EdDSA").key_id or _thumbprint(public_jwk)
        self.public_jwk = {**public_jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def jwks(self) -> dict:
        return {"keys": [self.public_jwk]}

    def sign(self, caller: Caller, *, ttl_seconds: int | None = None, now: float | None = None) -> tuple[str, int]:
        issued = int(now if now is not None else time.time())
        expires = issued + (ttl_seconds if ttl_seconds is not None else self.ttl_seconds)
        claims: dict = {"iss": self._issuer, "aud": self._audience, "sub": caller.subject,
                        "iat": issued, "nbf": issued, "exp": expires,
                        "jti": caller.token_id or uuid.uuid4().hex, ACTOR_CLAIM: caller.actor_type}
        for claim, value in (("prof", caller.profession_code), ("rpps", caller.rpps)):
            if value:
                claims[claim] = value
        if caller.actor_type == DELEGATE:
            # RFC 8693 §4.1: the subject is the person acted for, `act` names who acts
            claims["sub"] = caller.on_behalf_of
            act: dict = {"sub": caller.subject}
            if caller.delegation:
                act["delegation"] = caller.delegation
            if caller.scopes:
                act["scope"] = list(caller.scopes)
            claims["act"] = act
        if caller.actor_type == APP:
            claims.update(sub=caller.on_behalf_of, client_id=caller.subject, scope=" ".join(caller.scopes))
        token = jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})
        return token, expires


def _thumbprint(jwk: dict) -> str:
    import base64
    import hashlib
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


class TokenVerifier:
    """Verifies signature, issuer, audience and lifetime against a JWKS fetched on demand.

    `fetch_jwks` is called lazily and again when a token names an unknown key id (identity
    rotated its key), at most once every `refetch_interval` seconds of `clock` (monotonic
    seconds): a token with an unknown key id that comes sooner waits for the next allowed fetch
    (at most `refetch_interval`, `sleep` waits) rather than being refused, and one fetch answers
    every token waiting for it, so a flood of made-up key ids costs identity one call an interval.
    Keys older than `max_age` seconds are fetched again by the next verification, so a key
    identity withdrew stops being trusted (a retired key whose tokens have all expired).

    A token already verified is trusted again until it expires (a client reuses one token for
    many calls, and a verification costs about half a millisecond of CPU). The cache is keyed
    by the whole token, signature included, bounded, and emptied whenever the keys are fetched.
    """

    def __init__(self, fetch_jwks: Callable[[], dict], *, issuer: str, audience: str,
                 leeway_seconds: int = 5, refetch_interval: float = 2.0, max_age: float = 300.0,
                 cache_size: int = 10_000,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._fetch_jwks = fetch_jwks
        self._clock, self._sleep = clock, sleep
        self._issuer, self._audience, self._leeway = issuer, audience, leeway_seconds
        self._refetch_interval, self._max_age = refetch_interval, max_age
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")    # when the last fetch began, answered or not
        self._unreachable = False
        self._lock = threading.Lock()
        self._verified: dict[str, tuple[Caller, float]] = {}
        self._cache_size = cache_size

    def _key_for(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        asked_at = self._clock()
        with self._lock:
            if kid not in self._keys and self._fetched_at < asked_at:   # no fetch began since this token came
                wait = self._fetched_at + self._refetch_interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
                self._fetch()
        key = self._keys.get(kid)
        if key is None:
            if self._unreachable:      # identity unreachable: nobody is let in
                raise Unauthenticated("Vérification du jeton impossible pour le moment")
            raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID")
        return key

    def _fetch(self) -> None:
        self._fetched_at = self._clock()
        try:
            jwks = self._fetch_jwks()
        except Exception as exc:
            log.warning("cannot fetch the JWKS", extra={"error": type(exc).__name__})
            self._unreachable = True
        else:
            self._unreachable = False
            self._keys = {k["kid"]: jwt.PyJWK(k) for k in jwks.get("keys", []) if k.get("kid")}
            self._verified.clear()

    def verified(self, token: str) -> Caller | None:
        """The caller of a token already verified and not expired since, else None."""
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        return None

    def verify(self, token: str) -> Caller:
        if self._clock() - self._fetched_at > self._max_age and self._keys and self._lock.acquire(blocking=False):
            try:                       # one caller refreshes old keys; the others go on with them
                self._fetch()
            finally:
                self._lock.release()
        known = self.verified(token)
        if known is not None:
            return known
        caller, expires = self._verify(token)
        oldest = next(iter(self._verified), None)
        if oldest is not None and len(self._verified) >= self._cache_size:
            self._verified.pop(oldest, None)
        self._verified[token] = (caller, expires)
        return caller

    def _verify(self, token: str) -> tuple[Caller, float]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "EdDSA":
                raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID")
            key = self._key_for(str(header.get("kid", "")))
            claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience=self._audience,
                                issuer=self._issuer, leeway=self._leeway,
                                options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("Jeton expiré", reason="TOKEN_EXPIRED") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated("Jeton destiné à un autre service", reason="TOKEN_AUDIENCE") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID") from exc
        actor_type = claims.get(ACTOR_CLAIM)
        if actor_type not in ACTOR_TYPES:
            raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID")
        if actor_type == DELEGATE:
            act = claims.get("act")
            scope = act.get("scope", []) if isinstance(act, dict) else None
            if not (isinstance(act, dict) and isinstance(act.get("sub"), str) and act["sub"] and claims["sub"]
                    and isinstance(scope, list) and all(isinstance(s, str) for s in scope)):
                raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID")
            caller = Caller(actor_type=DELEGATE, subject=act["sub"], token_id=str(claims["jti"]),
                            on_behalf_of=str(claims["sub"]), delegation=str(act.get("delegation", "")),
                            scopes=tuple(scope))
        elif actor_type == APP:
            client_id, scope = claims.get("client_id"), claims.get("scope", "")
            if not (isinstance(client_id, str) and client_id and claims["sub"] and isinstance(scope, str)
                    and "act" not in claims):
                raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID")
            caller = Caller(actor_type=APP, subject=client_id, token_id=str(claims["jti"]),
                            on_behalf_of=str(claims["sub"]), scopes=tuple(scope.split()))
        else:
            if "act" in claims:     # only a delegate's token names an actor
                raise Unauthenticated("Jeton invalide", reason="TOKEN_INVALID")
            caller = Caller(actor_type=actor_type, subject=str(claims["sub"]), token_id=str(claims["jti"]),
                            profession_code=str(claims.get("prof", "")), rpps=str(claims.get("rpps", "")))
        return caller, float(claims["exp"])


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
