"""A local Web Push service, for tests: it plays the browser's push service and the browser.

`subscribe()` makes a subscription as a browser would (a P-256 key pair and a 16-byte auth
secret). A POST to its endpoint must carry a valid VAPID token (RFC 8292) whose audience is
this origin; the body is decrypted with http_ece (aes128gcm, RFC 8291) and kept. A
subscription marked gone answers 410, as an expired one does.
"""
from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devtools.eventually import eventually


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscription:
    sub_id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    gone: bool = False

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)


@dataclass
class Received:
    sub_id: str
    payload: dict
    headers: dict
    vapid_claims: dict
    at: float = field(default_factory=time.monotonic)


class PushEndpoint:
    def __init__(self):
        self.subscriptions: dict[str, Subscription] = {}
        self.received: list[Received] = []
        self.failures: list[str] = []
        self.vapid_public_key = ""           # when set, tokens must be signed by it
        self.unavailable = 0                 # answer 503 to that many next requests
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                status = outer._handle(self)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscribe(self) -> Subscription:
        sub_id = uuid.uuid4().hex
        subscription = Subscription(sub_id, f"{self.origin}/push/{sub_id}", ec.generate_private_key(ec.SECP256R1()),
                                    uuid.uuid4().bytes)
        self.subscriptions[sub_id] = subscription
        return subscription

    def _handle(self, request: BaseHTTPRequestHandler) -> int:
        length = int(request.headers.get("Content-Length", "0"))
        body = request.rfile.read(length)
        sub_id = request.path.rsplit("/", 1)[-1]
        subscription = self.subscriptions.get(sub_id)
        if subscription is None:
            return 404
        if subscription.gone:
            return 410
        with self._lock:
            if self.unavailable > 0:
                self.unavailable -= 1
                return 503
        try:
            claims = self._verify_vapid(request.headers.get("Authorization", ""))
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("content encoding must be aes128gcm")
            plain = http_ece.decrypt(body, private_key=subscription.private_key, auth_secret=subscription.auth,
                                     version="aes128gcm")
            payload = json.loads(plain)
        except Exception as exc:      # reported to the test, which fails on it
            with self._lock:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            return 400
        with self._lock:
            self.received.append(Received(sub_id, payload, {k.lower(): v for k, v in request.headers.items()}, claims))
        return 201

    def _verify_vapid(self, authorization: str) -> dict:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("VAPID authorization expected")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        if self.vapid_public_key and fields["k"] != self.vapid_public_key:
            raise ValueError("unexpected VAPID key")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience=self.origin)
        if claims["exp"] > time.time() + 24 * 3600:
            raise ValueError("VAPID token valid for more than 24 hours")
        return claims

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        """What was received, once at least `count` messages were."""
        return eventually(lambda: len(self.received) >= count and list(self.received), timeout, interval=0.02,
                          what=f"{count} push messages")
