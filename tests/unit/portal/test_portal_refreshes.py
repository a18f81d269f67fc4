"""Requests of one session that find its access token expired together refresh it once: identity
ends a session whose rotated refresh token is used twice."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from portal.auth import Refreshes
from portal.gateway import Gateway, GatewayError


def identity_like() -> tuple[httpx.MockTransport, list[str]]:
    """Rotating refresh tokens: each one works once, a second use is refused (401)."""
    used: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        token = json.loads(request.content)["refresh_token"]
        await asyncio.sleep(0.01)
        if token in used:
            return httpx.Response(401, json={"code": "UNAUTHENTICATED", "reason": "REFRESH_TOKEN_REUSED"})
        used.append(token)
        return httpx.Response(200, json={"accessToken": f"access-after-{token}", "refreshToken": f"next-{token}"})
    return httpx.MockTransport(answer), used


def test_concurrent_refreshes_of_one_token_share_one_answer():
    transport, used = identity_like()

    async def scenario():
        gateway = Gateway("http://gateway", transport)
        refreshes = Refreshes()
        answers = await asyncio.gather(*(refreshes.renew(gateway, "r1") for _ in range(5)))
        await gateway.close()
        return answers
    answers = asyncio.run(scenario())
    assert used == ["r1"]
    assert {a["refreshToken"] for a in answers} == {"next-r1"}


def test_a_refused_refresh_is_not_remembered():
    transport, used = identity_like()

    async def scenario():
        gateway = Gateway("http://gateway", transport)
        refreshes = Refreshes()
        await Refreshes().renew(gateway, "r2")          # used elsewhere (another replica)
        with pytest.raises(GatewayError) as refused:
            await refreshes.renew(gateway, "r2")
        assert refused.value.status == 401
        with pytest.raises(GatewayError):
            await refreshes.renew(gateway, "r2")
        await gateway.close()
        return refreshes
    refreshes = asyncio.run(scenario())
    assert used == ["r2"] and not refreshes._locks
