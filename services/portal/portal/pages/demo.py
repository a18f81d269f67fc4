"""The demo mode's pages: what it is, start it (a fictitious space of one's own, no account),
start again from the beginning, leave it. The session then holds demo tokens only: gateway_of
sends its calls to the demo space, never to the platform."""
from __future__ import annotations

import secrets
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.forms_http import posted
from portal.rendering import Pages
from portal.session import PATIENT, session_of

FAR_FUTURE_SECONDS = 10 * 365 * 24 * 3600


def routes(pages: Pages) -> list[Route]:
    async def about(request: Request) -> Response:
        return pages.render(request, "demo.html")

    async def start(request: Request) -> Response:
        await posted(request)
        _start(request)
        return RedirectResponse("/", 303)

    async def restart(request: Request) -> Response:
        await posted(request)
        _leave(request)
        _start(request)
        session_of(request)["notice"] = "La démo a recommencé depuis le début."
        return RedirectResponse("/", 303)

    async def leave(request: Request) -> Response:
        await posted(request)
        _leave(request)
        session_of(request)["notice"] = "Vous avez quitté le mode démo."
        return RedirectResponse("/demo", 303)

    return [Route("/demo", about), Route("/demo/commencer", start, methods=["POST"]),
            Route("/demo/recommencer", restart, methods=["POST"]), Route("/demo/quitter", leave, methods=["POST"])]


def _start(request: Request) -> None:
    space = request.app.state.demo_spaces.create()
    session = session_of(request)
    session.clear()                       # a real session is left, never mixed with the demo
    session["tokens"] = {"access": f"demo:{space.space_id}", "refresh": "",
                         "access_expires": time.time() + FAR_FUTURE_SECONDS,
                         "account_id": space.data["account"]["accountId"], "kind": PATIENT, "demo": True}
    session["csrf"] = secrets.token_urlsafe(32)


def _leave(request: Request) -> None:
    session = session_of(request)
    tokens = session.get("tokens")
    if isinstance(tokens, dict) and tokens.get("demo"):
        request.app.state.demo_spaces.drop(str(tokens.get("access", "")).removeprefix("demo:"))
    session.clear()
