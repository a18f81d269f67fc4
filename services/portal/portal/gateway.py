"""The portal's only way to the platform: the gateway's public HTTP API, with the signed-in
person's own access token (the portal holds no credential of its own)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
UPLOAD_TIMEOUT = httpx.Timeout(60.0, connect=3.0)


@dataclass
class GatewayError(Exception):
    """A refusal by the gateway or a service (its problem JSON), or the gateway unreachable (503)."""

    status: int
    code: str = ""
    reason: str = ""
    detail: str = ""
    violations: list[dict] = field(default_factory=list)

    def fields(self) -> dict[str, str]:
        """The service's field violations: field name (as in the request) -> description."""
        return {str(v.get("field", "")): str(v.get("description", "")) for v in self.violations}


class Gateway:
    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None):
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=TIMEOUT, transport=transport,
                                         follow_redirects=False)

    async def close(self) -> None:
        await self._client.aclose()

    async def ready(self) -> bool:
        try:
            response = await self._client.get("/readyz", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def call(self, method: str, path: str, *, token: str = "", json: Any = None,
                   params: Any = None, request_id: str = "") -> dict:
        response = await self._send(method, path, token, request_id, json=json, params=params)
        return response.json() if response.content else {}

    async def upload(self, path: str, *, token: str, metadata: str, filename: str, content: bytes,
                     content_type: str, request_id: str = "") -> dict:
        files = {"metadata": (None, metadata, "application/json"), "file": (filename, content, content_type)}
        response = await self._send("POST", path, token, request_id, files=files, timeout=UPLOAD_TIMEOUT)
        return response.json()

    async def download(self, path: str, *, token: str, request_id: str = "") -> httpx.Response:
        return await self._send("GET", path, token, request_id, timeout=UPLOAD_TIMEOUT)

    async def _send(self, method: str, path: str, token: str, request_id: str, **kwargs) -> httpx.Response:
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        if request_id:
            headers["x-request-id"] = request_id
        try:
            response = await self._client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError:
            raise GatewayError(503, "UNAVAILABLE", "GATEWAY_UNREACHABLE") from None
        if response.status_code >= 400:
            raise _error(response)
        return response


def _error(response: httpx.Response) -> GatewayError:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    violations = problem.get("violations")
    return GatewayError(response.status_code, str(problem.get("code", "")), str(problem.get("reason", "")),
                        str(problem.get("detail", "")), violations if isinstance(violations, list) else [])


def gateway_of(request) -> Gateway:
    """The gateway for this request's session: the real one, or the demo space's (portal/demo),
    which answers a demo session from its own fictitious data and never reaches the platform."""
    tokens = request.scope.get("session", {}).get("tokens")
    if isinstance(tokens, dict) and tokens.get("demo"):
        return request.app.state.demo_gateway
    return request.app.state.gateway
