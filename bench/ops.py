"""One operation of a closed-loop worker, built inside the worker process.

Each factory returns a callable that does one operation and raises on any failure, and may
have a `close()`. They are named by "module:function" so that `bench.pyload` can build them in
spawned processes."""
from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import time
from email import message_from_bytes, policy
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

from devtools.smtp_sink import text_of

_RETRYABLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class KeepAliveClient:
    """http.client on one keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self._connection.request(method, path, body=body, headers=headers or {})
                response = self._connection.getresponse()
                return response.status, response.read()
            except _RETRYABLE:
                self._connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._connection.close()


def get_ok(base_url: str, path: str, headers: dict[str, str], timeout: float = 60.0) -> bytes:
    """One GET on a connection of its own, outside the load; anything but 200 raises, plainly."""
    client = KeepAliveClient(base_url, timeout)
    try:
        status, body = client.request("GET", path, headers=headers)
    finally:
        client.close()
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status} {body[:300]!r}")
    return body


class HttpGet:
    def __init__(self, base_url: str, path: str, headers: dict[str, str]):
        self._client, self._path, self._headers = KeepAliveClient(base_url), path, headers

    def __call__(self) -> None:
        status, body = self._client.request("GET", self._path, headers=self._headers)
        if status != 200:
            raise RuntimeError(f"GET {self._path} -> {status} {body[:200]!r}")

    def close(self) -> None:
        self._client.close()


def http_get(base_url: str, path: str, headers: dict[str, str]) -> HttpGet:
    return HttpGet(base_url, path, headers)


class GrpcHealthCheck:
    """grpc.health.v1.Health/Check with a sync stub, on a connection of its own."""

    def __init__(self, address: str, service: str = ""):
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        self._channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        self._check = health_pb2_grpc.HealthStub(self._channel).Check
        self._request = health_pb2.HealthCheckRequest(service=service)
        self._serving = health_pb2.HealthCheckResponse.SERVING

    def __call__(self) -> None:
        if self._check(self._request, timeout=10).status != self._serving:
            raise RuntimeError("health check: not SERVING")

    def close(self) -> None:
        self._channel.close()


def grpc_health(address: str, service: str = "") -> GrpcHealthCheck:
    return GrpcHealthCheck(address, service)


_TO = re.compile(rb"^To:[ \t]*(.+?)\r?$", re.M | re.I)
_HEADERS_END = re.compile(rb"\r?\n\r?\n")
_CODE = re.compile(r"\b(\d{6})\b")


class Mailbox:
    """The codes mailed to some addresses, read from the SMTP sink's .eml files.

    Only files that appeared since the mailbox was opened are read, each once; a file is parsed
    as MIME only when its To: header is one of ours (several workers share the folder)."""

    def __init__(self, directory: Path, addresses: set[str]):
        self._directory = directory
        self._addresses = {a.lower() for a in addresses}
        self._seen = set(os.listdir(directory))
        self._codes: dict[str, list[str]] = {}

    def _scan(self) -> None:
        for name in set(os.listdir(self._directory)) - self._seen:
            if not name.endswith(".eml"):
                continue          # still being written as .part: read it once renamed
            self._seen.add(name)
            raw = (self._directory / name).read_bytes()
            end = _HEADERS_END.search(raw)
            to = _TO.search(raw[:end.start() if end else len(raw)])
            value = to.group(1).decode(errors="replace") if to else ""
            ours = {address.lower() for _, address in getaddresses([value])} & self._addresses
            if not ours:
                continue
            address = ours.pop()
            match = _CODE.search(text_of(message_from_bytes(raw, policy=policy.default)))
            if match:
                self._codes.setdefault(address, []).append(match.group(1))

    def wait_for_code(self, address: str, timeout: float = 10.0, interval: float = 0.002) -> str:
        address = address.lower()
        deadline = time.monotonic() + timeout
        while True:
            self._scan()
            if self._codes.get(address):
                return self._codes[address].pop(0)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no code mailed to {address} within {timeout}s")
            time.sleep(interval)


class Login:
    """Start login, read the code from the delivered mail, complete login: one operation.

    The accounts are this worker's own, used one after the other: two logins of one account at
    once would consume each other's challenge."""

    def __init__(self, gateway_url: str, mail_dir: str, accounts: list[tuple[str, str, str]]):
        self._client = KeepAliveClient(gateway_url)
        self._mailbox = Mailbox(Path(mail_dir), {email for _, _, email in accounts})
        self._accounts = itertools.cycle(accounts)

    def _post(self, path: str, payload: dict) -> dict:
        status, body = self._client.request("POST", path, json.dumps(payload).encode(),
                                            {"content-type": "application/json"})
        if status != 200:
            raise RuntimeError(f"POST {path} -> {status} {body[:300]!r}")
        return json.loads(body)

    def __call__(self) -> None:
        login_id, password, email = next(self._accounts)
        started = self._post("/v1/sessions:start", {"login_id": login_id, "password": password})
        code = self._mailbox.wait_for_code(email)
        session = self._post("/v1/sessions:complete", {"challenge_id": started["challengeId"], "code": code})
        if not session.get("accessToken"):
            raise RuntimeError("sessions:complete answered without an access token")

    def close(self) -> None:
        self._client.close()


def login(gateway_url: str, mail_dir: str, accounts: list[tuple[str, str, str]]) -> Login:
    return Login(gateway_url, mail_dir, accounts)
