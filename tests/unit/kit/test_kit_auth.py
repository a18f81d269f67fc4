"""Access tokens: what identity signs, every other service accepts, and everything else it refuses."""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from meskit import auth
from meskit.auth import Caller, TokenSigner, TokenVerifier, bearer_token, generate_private_key_pem
from meskit.errors import PermissionDenied, Unauthenticated

ISSUER, AUDIENCE = "mes-identity", "mes-api"


def make_signer(**overrides) -> TokenSigner:
    options = {"issuer": ISSUER, "audience": AUDIENCE, "ttl_seconds": 600, **overrides}
    return TokenSigner(generate_private_key_pem(), **options)


class Jwks:
    """A JWKS source that counts how often the verifier asks for it."""

    def __init__(self, *signers: TokenSigner):
        self.keys = [s.public_jwk for s in signers]
        self.fetches = 0

    def __call__(self) -> dict:
        self.fetches += 1
        return {"keys": list(self.keys)}


def make_verifier(jwks, **overrides) -> TokenVerifier:
    return TokenVerifier(jwks, **{"issuer": ISSUER, "audience": AUDIENCE, **overrides})


def rejected(verifier: TokenVerifier, token: str) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as info:
        verifier.verify(token)
    return info.value


def raw_token(signer: TokenSigner, claims: dict, **headers) -> str:
    """A token signed with the signer's real key but with claims chosen by the test."""
    return jwt.encode(claims, signer._key, algorithm="EdDSA", headers={"kid": signer.kid, **headers})


def good_claims(**changes) -> dict:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "acc-1", "iat": now, "nbf": now, "exp": now + 600,
              "jti": "t-1", "actor": auth.PATIENT}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TestRoundTrip:
    @pytest.mark.parametrize("caller", [
        Caller(auth.PATIENT, "acc-1", token_id="jti-1"),
        Caller(auth.PROFESSIONAL, "pro-7", token_id="jti-2", profession_code="10", rpps="10001234567"),
        Caller(auth.DELEGATE, "acc-2", token_id="jti-3", on_behalf_of="acc-1"),
        Caller(auth.SERVICE, "identity", token_id="jti-4")])
    def test_verifier_returns_the_signed_caller(self, caller):
        signer = make_signer()
        before = int(time.time())
        token, expires = signer.sign(caller)
        assert before + 600 <= expires <= time.time() + 600
        assert make_verifier(Jwks(signer)).verify(token) == caller

    def test_a_delegate_token_has_the_rfc_8693_shape(self):
        """sub is the person acted for; act names the delegate, her delegation's kind and scopes."""
        signer = make_signer()
        caller = Caller(auth.DELEGATE, "carer-1", token_id="jti-5", on_behalf_of="helped-1",
                        delegation="CAREGIVING", scopes=("documents", "profile"))
        token, _ = signer.sign(caller)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["sub"], claims["actor"]) == ("helped-1", auth.DELEGATE)
        assert claims["act"] == {"sub": "carer-1", "delegation": "CAREGIVING", "scope": ["documents", "profile"]}
        assert "obo" not in claims
        assert make_verifier(Jwks(signer)).verify(token) == caller

    @pytest.mark.parametrize("act", [None, "carer-1", {"delegation": "CAREGIVING"}, {"sub": ""},
                                     {"sub": "carer-1", "scope": "documents"}])
    def test_a_delegate_token_without_a_proper_act_claim_is_refused(self, act):
        signer = make_signer()
        token = raw_token(signer, good_claims(actor=auth.DELEGATE, act=act))
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    def test_an_app_token_has_the_rfc_9068_shape(self):
        """sub is the holder; client_id the app; scope its consented purposes, space-separated."""
        signer = make_signer()
        caller = Caller(auth.APP, "app-7", token_id="jti-9", on_behalf_of="holder-1",
                        scopes=("MESURES_GLYCEMIE", "RAPPORTS"))
        token, _ = signer.sign(caller)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["sub"], claims["client_id"], claims["scope"], claims["actor"]) == (
            "holder-1", "app-7", "MESURES_GLYCEMIE RAPPORTS", auth.APP)
        assert "act" not in claims
        assert make_verifier(Jwks(signer)).verify(token) == caller

    @pytest.mark.parametrize("changes", [{"client_id": ""}, {"client_id": 7}, {"scope": ["A"]},
                                         {"client_id": "app-7", "act": {"sub": "x"}}, {}])
    def test_an_app_token_without_its_client_or_with_a_malformed_scope_is_refused(self, changes):
        signer = make_signer()
        token = raw_token(signer, good_claims(actor=auth.APP, **changes))
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    def test_only_a_delegate_token_names_an_actor(self):
        signer = make_signer()
        token = raw_token(signer, good_claims(act={"sub": "someone"}))
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    def test_a_token_id_is_generated_when_the_caller_has_none(self):
        signer = make_signer()
        verifier = make_verifier(Jwks(signer))
        first = verifier.verify(signer.sign(Caller(auth.PATIENT, "acc-1"))[0])
        second = verifier.verify(signer.sign(Caller(auth.PATIENT, "acc-1"))[0])
        assert first.token_id and second.token_id and first.token_id != second.token_id

    def test_jwks_publishes_only_the_public_key(self):
        signer = make_signer()
        (key,) = signer.jwks()["keys"]
        assert (key["kty"], key["crv"], key["alg"], key["use"], key["kid"]) == ("OKP", "Ed25519", "EdDSA", "sig", signer.kid)
        assert "d" not in key

    def test_refuses_a_key_that_is_not_ed25519(self):
        from cryptography.hazmat.primitives.asymmetric import ec
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        with pytest.raises(ValueError):
            TokenSigner(pem, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=60)


class TestRejection:
    def test_bad_signature(self):
        signer = make_signer()
        header, payload, signature = signer.sign(Caller(auth.PATIENT, "acc-1"))[0].split(".")
        forged_payload = b64(json.dumps(good_claims(sub="acc-someone-else")).encode())
        error = rejected(make_verifier(Jwks(signer)), f"{header}.{forged_payload}.{signature}")
        assert error.reason == "TOKEN_INVALID"

    def test_token_signed_by_another_key_under_a_trusted_kid(self):
        trusted, attacker = make_signer(), make_signer()
        token = jwt.encode(good_claims(), attacker._key, algorithm="EdDSA", headers={"kid": trusted.kid})
        assert rejected(make_verifier(Jwks(trusted)), token).reason == "TOKEN_INVALID"

    def test_expired(self):
        signer = make_signer()
        token, _ = signer.sign(Caller(auth.PATIENT, "acc-1"), ttl_seconds=60, now=time.time() - 3600)
        error = rejected(make_verifier(Jwks(signer)), token)
        assert (error.reason, error.message) == ("TOKEN_EXPIRED", "Jeton expiré")

    def test_expired_within_leeway_is_still_accepted(self):
        signer = make_signer()
        token, _ = signer.sign(Caller(auth.PATIENT, "acc-1"), ttl_seconds=60, now=time.time() - 62)
        assert make_verifier(Jwks(signer), leeway_seconds=5).verify(token).subject == "acc-1"

    def test_not_yet_valid(self):
        signer = make_signer()
        token, _ = signer.sign(Caller(auth.PATIENT, "acc-1"), now=time.time() + 3600)
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    def test_other_audience(self):
        signer = make_signer(audience="mes-backoffice")
        assert rejected(make_verifier(Jwks(signer)), signer.sign(Caller(auth.PATIENT, "a"))[0]).reason == "TOKEN_AUDIENCE"

    def test_other_issuer(self):
        signer = make_signer(issuer="someone-else")
        assert rejected(make_verifier(Jwks(signer)), signer.sign(Caller(auth.PATIENT, "a"))[0]).reason == "TOKEN_INVALID"

    def test_alg_none(self):
        signer = make_signer()
        header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": signer.kid}).encode())
        token = f"{header}.{b64(json.dumps(good_claims()).encode())}."
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    def test_hs256_signed_with_the_public_key(self):
        signer = make_signer()
        public_x = signer.public_jwk["x"]
        for secret in (public_x.encode(), base64.urlsafe_b64decode(public_x + "==")):
            token = jwt.encode(good_claims(), secret, algorithm="HS256", headers={"kid": signer.kid})
            assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    @pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud", "iss", "jti", "actor"])
    def test_missing_claim(self, claim):
        signer = make_signer()
        token = raw_token(signer, good_claims(**{claim: None}))
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    def test_unknown_actor_type(self):
        signer = make_signer()
        token = raw_token(signer, good_claims(actor="admin"))
        assert rejected(make_verifier(Jwks(signer)), token).reason == "TOKEN_INVALID"

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "Bearer x.y.z"])
    def test_not_a_jwt(self, token):
        assert rejected(make_verifier(Jwks(make_signer())), token).reason == "TOKEN_INVALID"


class TestKeyRotation:
    def test_fetches_the_jwks_lazily_once(self):
        signer = make_signer()
        jwks = Jwks(signer)
        verifier = make_verifier(jwks)
        assert jwks.fetches == 0
        for _ in range(3):
            verifier.verify(signer.sign(Caller(auth.PATIENT, "acc-1"))[0])
        assert jwks.fetches == 1

    def test_unknown_kid_triggers_one_refetch(self):
        old, new = make_signer(), make_signer()
        jwks = Jwks(old)
        verifier = make_verifier(jwks, refetch_interval=0)
        verifier.verify(old.sign(Caller(auth.PATIENT, "acc-1"))[0])
        jwks.keys.append(new.public_jwk)  # identity rotated its key
        assert verifier.verify(new.sign(Caller(auth.PATIENT, "acc-2"))[0]).subject == "acc-2"
        assert jwks.fetches == 2

    def test_refetch_is_rate_limited(self):
        known, stranger = make_signer(), make_signer()
        jwks, now, fetched_at = Jwks(known), [1000.0], []
        def fetch():
            fetched_at.append(now[0])
            return jwks()
        verifier = make_verifier(fetch, refetch_interval=30, clock=lambda: now[0],
                                 sleep=lambda seconds: now.__setitem__(0, now[0] + seconds))
        verifier.verify(known.sign(Caller(auth.PATIENT, "acc-1"))[0])
        for _ in range(5):  # a flood of tokens with unknown kids does not hammer identity
            now[0] += 1
            assert rejected(verifier, stranger.sign(Caller(auth.PATIENT, "x"))[0]).reason == "TOKEN_INVALID"
        assert len(fetched_at) == 6
        assert all(later - earlier >= 30 for earlier, later in zip(fetched_at, fetched_at[1:]))

    def test_a_new_key_soon_after_a_fetch_waits_for_the_next_one(self):
        old, new = make_signer(), make_signer()
        jwks, now, waits = Jwks(old), [1000.0], []
        def sleep(seconds):
            waits.append(seconds)
            now[0] += seconds
        verifier = make_verifier(jwks, refetch_interval=30, clock=lambda: now[0], sleep=sleep)
        verifier.verify(old.sign(Caller(auth.PATIENT, "acc-1"))[0])
        now[0] += 5
        jwks.keys.append(new.public_jwk)      # identity rotated 5 s after the last fetch
        assert verifier.verify(new.sign(Caller(auth.PATIENT, "acc-2"))[0]).subject == "acc-2"
        assert (waits, jwks.fetches) == ([25.0], 2)

    def test_unreachable_jwks_lets_nobody_in(self):
        def unreachable():
            raise ConnectionError("identity is down")
        signer = make_signer()
        error = rejected(make_verifier(unreachable), signer.sign(Caller(auth.PATIENT, "acc-1"))[0])
        assert error.message == "Vérification du jeton impossible pour le moment"


class TestVerifiedTokens:
    """A token verified once is trusted again until it expires (every service checks every call)."""

    def test_verified_once_until_it_expires(self, monkeypatch):
        signer = make_signer()
        verifier = make_verifier(Jwks(signer))
        token, expires = signer.sign(Caller(auth.PATIENT, "acc-1"))
        checked = []
        real = TokenVerifier._verify
        monkeypatch.setattr(TokenVerifier, "_verify", lambda self, t: checked.append(t) or real(self, t))
        assert verifier.verified(token) is None
        assert verifier.verify(token) == verifier.verify(token) == verifier.verified(token)
        assert checked == [token]
        monkeypatch.setattr(time, "time", lambda: float(expires))
        assert verifier.verified(token) is None
        verifier.verify(token)
        assert checked == [token, token]

    def test_a_fetch_of_the_keys_forgets_what_was_verified(self):
        old, new = make_signer(), make_signer()
        jwks = Jwks(old)
        verifier = make_verifier(jwks, refetch_interval=0)
        token = old.sign(Caller(auth.PATIENT, "acc-1"))[0]
        verifier.verify(token)
        jwks.keys = [new.public_jwk]          # the old key withdrawn, a token of the new one comes
        verifier.verify(new.sign(Caller(auth.PATIENT, "acc-2"))[0])
        assert verifier.verified(token) is None
        assert rejected(verifier, token).reason == "TOKEN_INVALID"

    def test_a_token_changed_by_one_character_is_verified_on_its_own(self):
        signer = make_signer()
        verifier = make_verifier(Jwks(signer))
        token = signer.sign(Caller(auth.PATIENT, "acc-1"))[0]
        verifier.verify(token)
        tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        assert rejected(verifier, tampered).reason == "TOKEN_INVALID"


class TestBearerToken:
    @pytest.mark.parametrize("header,expected", [
        ("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer abc", "abc"), ("Bearer  abc ", "abc"),
        ("Basic dXNlcjpwdw==", None), ("Bearer ", None), ("Bearer", None), ("", None), (None, None)])
    def test_parses_the_authorization_header(self, header, expected):
        assert bearer_token(header) == expected


class TestCaller:
    def test_require_refuses_other_actor_types(self):
        with pytest.raises(PermissionDenied):
            Caller(auth.PATIENT, "acc-1").require(auth.PROFESSIONAL, auth.OPERATOR)
        Caller(auth.OPERATOR, "op-1").require(auth.PROFESSIONAL, auth.OPERATOR)

    def test_current_caller_outside_a_request_is_unauthenticated(self):
        with pytest.raises(Unauthenticated):
            auth.current_caller()

    def test_current_caller_is_set_and_reset(self):
        caller = Caller(auth.PATIENT, "acc-1")
        token = auth.set_current_caller(caller)
        try:
            assert auth.current_caller() is caller
        finally:
            auth.reset_current_caller(token)
        with pytest.raises(Unauthenticated):
            auth.current_caller()


class TestWithdrawnKeys:
    def test_keys_older_than_max_age_are_fetched_again_and_a_withdrawn_one_is_refused(self):
        retired, current = make_signer(), make_signer()
        jwks, now = Jwks(retired, current), [1000.0]
        verifier = make_verifier(jwks, max_age=300, clock=lambda: now[0])
        token = retired.sign(Caller(auth.PATIENT, "acc-1"))[0]
        verifier.verify(token)
        jwks.keys = [current.public_jwk]       # identity withdrew the retired key
        now[0] += 300
        assert verifier.verify(token).subject == "acc-1"     # not old enough yet
        now[0] += 1
        assert rejected(verifier, token).reason == "TOKEN_INVALID"
        assert verifier.verify(current.sign(Caller(auth.PATIENT, "acc-2"))[0]).subject == "acc-2"
