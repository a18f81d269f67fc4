"""identity's token keys over their files: a new key published before it signs, the one it replaced
published while its tokens may live, then withdrawn; a bad file never replaces a good key."""
from __future__ import annotations

import os

import jwt
import pytest

from identity.adapters.signing_keys import SigningKeys
from identity.domain.service_clients import client_digests, secret_digest
from meskit.auth import PATIENT, Caller, TokenSigner, generate_private_key_pem

ACTIVATION, RETENTION = 100.0, 1000.0


def kid_of(pem: bytes) -> str:
    return TokenSigner(pem, issuer="", audience="", ttl_seconds=1).kid


class Files:
    """The key files as the kubelet writes them, with their modification times set by the test."""

    def __init__(self, directory):
        self.current, self.previous = directory / "signing-key.pem", directory / "previous-signing-key.pem"

    def write(self, path, pem: bytes, at: float) -> None:
        path.write_bytes(pem)
        os.utime(path, (at, at))


@pytest.fixture
def files(tmp_path) -> Files:
    return Files(tmp_path)


def keys_at(files: Files, now: list[float]) -> SigningKeys:
    return SigningKeys(str(files.current), str(files.previous), issuer="i", audience="a", ttl_seconds=60,
                       retention_seconds=RETENTION, activation_seconds=ACTIVATION, poll_seconds=0,
                       clock=lambda: now[0])


def signed_kid(keys: SigningKeys) -> str:
    return jwt.get_unverified_header(keys.sign(Caller(PATIENT, "p"))[0])["kid"]


def published(keys: SigningKeys) -> set[str]:
    return {k["kid"] for k in keys.jwks()["keys"]}


class TestRotation:
    def test_a_new_key_is_published_first_signs_later_and_the_old_one_goes_once_its_tokens_expired(self, files):
        old, new, now = generate_private_key_pem(), generate_private_key_pem(), [10_000.0]
        files.write(files.current, old, at=0)
        keys = keys_at(files, now)
        assert (signed_kid(keys), published(keys)) == (kid_of(old), {kid_of(old)})
        files.write(files.previous, old, at=now[0])
        files.write(files.current, new, at=now[0])
        assert (signed_kid(keys), published(keys)) == (kid_of(old), {kid_of(old), kid_of(new)})
        now[0] += ACTIVATION
        assert (signed_kid(keys), published(keys)) == (kid_of(new), {kid_of(old), kid_of(new)})
        now[0] += RETENTION - 1
        assert kid_of(old) in published(keys)
        now[0] += 1
        assert published(keys) == {kid_of(new)}
        now[0] += 1                       # still in the previous file, yet not published again
        assert published(keys) == {kid_of(new)}

    def test_a_start_during_the_activation_signs_with_the_previous_key(self, files):
        old, new, now = generate_private_key_pem(), generate_private_key_pem(), [10_000.0]
        files.write(files.previous, old, at=now[0])
        files.write(files.current, new, at=now[0])
        keys = keys_at(files, now)
        assert (signed_kid(keys), published(keys)) == (kid_of(old), {kid_of(old), kid_of(new)})

    def test_a_start_after_a_rotation_still_publishes_the_previous_key_for_a_while(self, files):
        old, new, now = generate_private_key_pem(), generate_private_key_pem(), [10_000.0]
        files.write(files.previous, old, at=0)
        files.write(files.current, new, at=0)
        keys = keys_at(files, now)
        assert (signed_kid(keys), published(keys)) == (kid_of(new), {kid_of(old), kid_of(new)})
        now[0] += RETENTION
        assert published(keys) == {kid_of(new)}

    def test_a_file_that_is_not_a_key_keeps_the_key_in_use(self, files):
        old, now = generate_private_key_pem(), [10_000.0]
        files.write(files.current, old, at=0)
        keys = keys_at(files, now)
        files.write(files.current, b"-----BEGIN PRIVATE KEY-----\nhalf written", at=now[0])
        now[0] += ACTIVATION
        assert (signed_kid(keys), published(keys)) == (kid_of(old), {kid_of(old)})

    def test_no_start_without_a_current_key(self, files):
        with pytest.raises(FileNotFoundError):
            keys_at(files, [0.0])


class TestClientDigests:
    def test_one_digest_or_several_while_a_secret_rotates(self):
        new, old = secret_digest("new"), secret_digest("old")
        listed = client_digests(f'{{"documents": ["{new}", "{old.upper()}"], "agenda": "{new}"}}'.encode())
        assert listed == {"documents": (new, old), "agenda": (new,)}

    @pytest.mark.parametrize("text", ['[]', '{"documents": []}', '{"documents": "abc"}', '{"documents": [1]}', '{'])
    def test_anything_else_is_refused(self, text):
        with pytest.raises(ValueError):
            client_digests(text.encode())
