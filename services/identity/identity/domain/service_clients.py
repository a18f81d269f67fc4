"""Service tokens for service-to-service calls: a service proves itself with its client secret.

Secrets are long random strings, so a SHA-256 digest is a safe way to keep them; a comparison
in constant time does not tell how much of a wrong secret was right."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

from meskit.auth import SERVICE, Caller
from meskit.errors import Unauthenticated, Violations

REFUSED = "Identifiants de service invalides"


class ServiceClients:
    def __init__(self, secret_digests: dict[str, str], signer, ttl_seconds: int):
        self._digests = {name: digest.lower() for name, digest in secret_digests.items()}
        self._signer, self._ttl = signer, ttl_seconds

    def issue(self, service_name: str, client_secret: str) -> tuple[str, datetime]:
        v = Violations()
        v.require(service_name, "service_name")
        v.require(client_secret, "client_secret")
        v.max_length(service_name, "service_name", 64)
        v.max_length(client_secret, "client_secret", 256)
        v.raise_if_any()
        expected = self._digests.get(service_name, "0" * 64)
        presented = hashlib.sha256(client_secret.encode()).hexdigest()
        if not (hmac.compare_digest(expected, presented) and service_name in self._digests):
            raise Unauthenticated(REFUSED, reason="INVALID_CLIENT")
        token, expires = self._signer.sign(Caller(SERVICE, service_name), ttl_seconds=self._ttl)
        return token, datetime.fromtimestamp(expires, timezone.utc)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
