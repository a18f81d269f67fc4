"""The security headers of every answer: a strict Content-Security-Policy (nothing inline, nothing
from elsewhere), no framing, no sniffing, no referrer outside; pages are never cached (they hold
personal data), the versioned assets are cached for a year."""
from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
COMMON = {"content-security-policy": CSP, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
          "referrer-policy": "same-origin", "cross-origin-opener-policy": "same-origin",
          "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()"}
ASSETS_CACHE = "public, max-age=31536000, immutable"     # URLs carrying ?v=<digest of the assets>
ASSETS_CACHE_UNVERSIONED = "public, max-age=3600"          # the module portal.js imports by name


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool):
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asset = scope["path"].startswith("/assets/")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers[name] = value
                if self.hsts:
                    headers["strict-transport-security"] = "max-age=31536000"
                if asset and message["status"] == 200:
                    headers["cache-control"] = (ASSETS_CACHE if scope["query_string"].startswith(b"v=")
                                                else ASSETS_CACHE_UNVERSIONED)
                else:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, sending)
