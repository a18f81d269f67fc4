"""The gateway's token check: a token is verified once, trusted until it expires, and forgotten
with the keys that signed it."""
from __future__ import annotations

import asyncio
import time

import pytest

from gateway.problems import Problem
from gateway.tokens import Authenticator, Keys
from meskit import auth


def signer() -> auth.TokenSigner:
    return auth.TokenSigner(auth.generate_private_key_pem(), issuer="mes-identity", audience="mes-api",
                            ttl_seconds=600)


class Published:
    """What identity publishes (GetJwks), changed by the test."""

    def __init__(self, *signers: auth.TokenSigner):
        self.jwks = {"keys": [s.public_jwk for s in signers]}

    async def fetch(self) -> dict:
        return self.jwks


def authenticator(published: Published) -> tuple[Authenticator, Keys]:
    keys = Keys(published.fetch, min_interval=0)
    asyncio.run(keys.refresh())
    return Authenticator(keys, issuer="mes-identity", audience="mes-api"), keys


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_token_is_verified_once_then_again_once_it_expired(monkeypatch):
    first = signer()
    gate, _ = authenticator(Published(first))
    token, expires = first.sign(auth.Caller(auth.PATIENT, "p1"))
    verified = []
    real = auth.TokenVerifier._verify
    monkeypatch.setattr(auth.TokenVerifier, "_verify", lambda self, t: verified.append(t) or real(self, t))
    assert asyncio.run(gate.caller(bearer(token))).subject == "p1"
    assert asyncio.run(gate.caller(bearer(token))).subject == "p1"
    assert verified == [token]
    monkeypatch.setattr(time, "time", lambda: expires)
    asyncio.run(gate.caller(bearer(token)))       # PyJWT, on its own clock, says whether it expired
    assert verified == [token, token]


def test_an_expired_token_is_refused():
    gate, _ = authenticator(Published(first := signer()))
    token, _ = first.sign(auth.Caller(auth.PATIENT, "p1"), now=time.time() - 700)
    with pytest.raises(Problem) as refused:
        asyncio.run(gate.caller(bearer(token)))
    assert refused.value.status == 401 and refused.value.reason == "TOKEN_EXPIRED"


def test_a_token_of_a_withdrawn_key_is_refused_at_once():
    old, new = signer(), signer()
    published = Published(old)
    gate, keys = authenticator(published)
    token, _ = old.sign(auth.Caller(auth.PATIENT, "p1"))
    assert asyncio.run(gate.caller(bearer(token))).subject == "p1"
    published.jwks = Published(new).jwks
    asyncio.run(keys.refresh())
    with pytest.raises(Problem) as refused:
        asyncio.run(gate.caller(bearer(token)))
    assert refused.value.status == 401
    assert asyncio.run(gate.caller(bearer(new.sign(auth.Caller(auth.PATIENT, "p2"))[0]))).subject == "p2"


def test_a_forged_token_is_refused_also_after_a_good_one():
    good, forger = signer(), signer()
    gate, _ = authenticator(Published(good))
    token, _ = good.sign(auth.Caller(auth.PATIENT, "p1"))
    assert asyncio.run(gate.caller(bearer(token))).subject == "p1"
    header, payload, _ = token.split(".")
    forged = ".".join([header, payload, forger.sign(auth.Caller(auth.PATIENT, "p1"))[0].split(".")[2]])
    with pytest.raises(Problem) as refused:
        asyncio.run(gate.caller(bearer(forged)))
    assert refused.value.status == 401


def test_a_token_of_a_key_published_just_after_a_fetch_waits_for_the_next_one():
    old, new = signer(), signer()
    published = Published(old)
    keys = Keys(published.fetch, min_interval=0.3)
    asyncio.run(keys.refresh())
    gate = Authenticator(keys, issuer="mes-identity", audience="mes-api")
    published.jwks = Published(old, new).jwks      # identity rotated right after that fetch
    token, _ = new.sign(auth.Caller(auth.PATIENT, "p1"))
    assert asyncio.run(gate.caller(bearer(token))).subject == "p1"
