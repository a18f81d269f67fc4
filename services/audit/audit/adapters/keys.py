"""The log's Ed25519 keys: the private key signing tree heads (a PEM file), public keys verifying them.

A key id is the hex SHA-256 of the DER SubjectPublicKeyInfo (as RFC 6962 log ids are).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from meskit.config import ConfigError
from meskit.secret_files import WatchedFile

from audit.domain.models import TreeHead

ALGORITHM = "Ed25519"


def key_id(public_der: bytes) -> str:
    return hashlib.sha256(public_der).hexdigest()


def public_der(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


class Ed25519HeadSigner:
    algorithm = ALGORITHM

    def __init__(self, private_key_pem: bytes):
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the audit log key must be an Ed25519 private key")
        self._key = key
        self.public_key = public_der(key.public_key())
        self.key_id = key_id(self.public_key)

    @classmethod
    def watching(cls, path: str, poll_seconds: float) -> Callable[[], Ed25519HeadSigner]:
        """The key in the file as it is now: a new key put there (a rotation) signs from then on."""
        try:
            watched = WatchedFile(path, cls, interval=poll_seconds)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"AUDIT_SIGNING_KEY_FILE: cannot load an Ed25519 private key ({type(exc).__name__})") from None
        return lambda: cast(Ed25519HeadSigner, watched.value())

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def load_public_key(data: bytes) -> bytes:
    """DER SubjectPublicKeyInfo of an Ed25519 public key given as PEM or DER (public or private PEM)."""
    if data.lstrip().startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    else:
        key = serialization.load_der_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 key")
    return public_der(key)


class HeadVerifier:
    """Checks tree head signatures against a set of trusted public keys (DER), by key id."""

    def __init__(self, public_keys: Iterable[bytes]):
        self.keys = {key_id(der): cast(Ed25519PublicKey, serialization.load_der_public_key(der)) for der in public_keys}

    def __call__(self, head: TreeHead, message: bytes) -> bool:
        key = self.keys.get(head.key_id)
        if key is None or head.algorithm != ALGORITHM:
            return False
        try:
            key.verify(head.signature, message)
        except InvalidSignature:
            return False
        return True
