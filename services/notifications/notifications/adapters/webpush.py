"""Web Push (RFC 8030): payloads encrypted for the subscription (RFC 8291, aes128gcm), the
sender identified with VAPID (RFC 8292). One implementation of the push provider port; a
native FCM/APNs provider would sit beside it."""
from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPusher

from notifications.domain.models import Device

DELIVERED, GONE, TEMPORARY, REJECTED = "DELIVERED", "GONE", "TEMPORARY", "REJECTED"


@dataclass(frozen=True)
class PushResult:
    kind: str
    status: int = 0
    detail: str = ""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class WebPushProvider:
    def __init__(self, private_key_pem: bytes, subject: str, *, timeout: float = 10.0, ttl_seconds: int = 86400):
        self._vapid = Vapid.from_pem(private_key_pem)
        self._subject, self._timeout, self._ttl = subject, timeout, ttl_seconds
        self._local = threading.local()

    @property
    def public_key(self) -> str:
        raw = self._vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
        return b64url(raw)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def send(self, device: Device, payload: bytes, *, topic: str = "", urgency: str = "normal") -> PushResult:
        parts = urlsplit(device.endpoint)
        headers = dict(self._vapid.sign({"sub": self._subject, "aud": f"{parts.scheme}://{parts.netloc}",
                                         "exp": int(time.time()) + 12 * 3600}))
        headers["Urgency"] = urgency
        if topic:
            headers["Topic"] = topic          # the push service replaces an undelivered copy
        subscription = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
        try:
            response = WebPusher(subscription, requests_session=self._session()).send(
                payload, headers, ttl=self._ttl, content_encoding="aes128gcm", timeout=self._timeout)
        except (requests.RequestException, OSError) as exc:
            return PushResult(TEMPORARY, 0, type(exc).__name__)
        status = response.status_code
        if status in (200, 201, 202):
            return PushResult(DELIVERED, status)
        if status in (404, 410):
            return PushResult(GONE, status, "abonnement expiré")
        if status == 429 or status >= 500:
            return PushResult(TEMPORARY, status, response.reason or "")
        return PushResult(REJECTED, status, (response.reason or "")[:200])


def generate_vapid_key_pem() -> bytes:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid.private_pem()
