"""Service tokens for service-to-service calls: a service proves itself with its client secret.

Secrets are long random strings, so a SHA-256 digest is a safe way to keep them; a comparison
in constant time does not tell how much of a wrong secret was right."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timezone

from meskit.auth import SERVICE, Caller
from meskit.errors import Unauthenticated, Violations

REFUSED = "Identifiants de service invalides"


class ServiceClients:
    """`digests()`: each service's accepted secret digests as they are now; while a secret rotates
    a service has two (the new one and the one its running replicas may still present)."""

    def __init__(self, digests: Callable[[], dict[str, tuple[str, ...]]], signer, ttl_seconds: int):
        self._digests, self._signer, self._ttl = digests, signer, ttl_seconds

    def issue(self, service_name: str, client_secret: str) -> tuple[str, datetime]:
        v = Violations()
        v.require(service_name, "service_name")
        v.require(client_secret, "client_secret")
        v.max_length(service_name, "service_name", 64)
        v.max_length(client_secret, "client_secret", 256)
        v.raise_if_any()
        accepted = self._digests().get(service_name, ())
        presented = hashlib.sha256(client_secret.encode()).hexdigest()
        # every accepted digest compared, in constant time each: the answer's timing tells nothing
        matches = [hmac.compare_digest(expected, presented) for expected in accepted or ("0" * 64,)]
        if not (any(matches) and accepted):
            raise Unauthenticated(REFUSED, reason="INVALID_CLIENT")
        token, expires = self._signer.sign(Caller(SERVICE, service_name), ttl_seconds=self._ttl)
        return token, datetime.fromtimestamp(expires, timezone.utc)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_digests(data: bytes) -> dict[str, tuple[str, ...]]:
    """SERVICE_CLIENTS_FILE: {service name: SHA-256 hex, or a list of them}; ValueError otherwise."""
    listed = json.loads(data)
    if not isinstance(listed, dict):
        raise ValueError("a JSON object {service name: digest or list of digests} expected")
    digests = {}
    for name, value in listed.items():
        values = [value] if isinstance(value, str) else value
        if not (isinstance(values, list) and values and all(
                isinstance(d, str) and len(d) == 64 and all(c in "0123456789abcdefABCDEF" for c in d) for d in values)):
            raise ValueError(f"{name}: a SHA-256 hex digest or a non-empty list of them expected")
        digests[name] = tuple(d.lower() for d in values)
    return digests
