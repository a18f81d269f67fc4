"""The composition root: `build_app(settings)` -> the portal's Starlette app."""
from __future__ import annotations

import contextlib
import hashlib
import logging
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from portal import headers
from portal.auth import WrongKindOfSession
from portal.config import Settings
from portal.forms_http import BodyRefused, CsrfRefused
from portal.gateway import Gateway, GatewayError
from portal.headers import SecurityHeaders
from portal.demo import DEMO_UNSUPPORTED, DemoSpaces, DemoTransport
from portal.pages import access, account, activation, apps, demo, documents, history, home, notifications, people, pro
from portal.pages import document_page, folders, messaging, messaging_pharmacy, session as session_pages
from portal.pages import agenda, profile
from portal.session import PROFESSIONAL
from portal.rendering import Pages
from portal.sealing import CookieSealer
from portal.session import SessionMiddleware

log = logging.getLogger("portal")
ROOT = Path(__file__).resolve().parents[3]
GOVUK_ASSETS = ROOT / "build" / "portal-assets"      # scripts/get-govuk-frontend.py
OWN_ASSETS = Path(__file__).resolve().parent / "static"


# Each module of portal/pages serves its pages: `routes(pages) -> list[Route]`.
PAGE_MODULES = (session_pages, activation, home, documents, document_page, folders, messaging, messaging_pharmacy,
                history, notifications, access, people, apps, account, pro, demo, agenda, profile)


class PortalApp(Starlette):
    def drain(self) -> None:
        """From SIGTERM on, /readyz answers 503 while in-flight requests finish."""
        self.state.draining = True


def build_app(settings: Settings, transport: httpx.AsyncBaseTransport | None = None,
              govuk_assets: Path = GOVUK_ASSETS) -> PortalApp:
    """`transport` replaces the HTTP transport to the gateway (tests)."""
    if not (govuk_assets / "govuk-frontend.min.css").is_file():
        raise RuntimeError(f"GOV.UK Frontend missing in {govuk_assets}: run scripts/get-govuk-frontend.py")
    pages = Pages(asset_version=_version_of(govuk_assets, OWN_ASSETS))

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if request.app.state.draining or not request.app.state.started:
            return JSONResponse({"status": "draining" if request.app.state.draining else "starting"}, 503)
        if not await request.app.state.gateway.ready():
            return JSONResponse({"status": "gateway not ready"}, 503)
        return JSONResponse({"status": "ready"})

    @contextlib.asynccontextmanager
    async def lifespan(app: PortalApp):
        app.state.gateway = Gateway(settings.gateway_url, transport)
        app.state.demo_spaces = DemoSpaces()
        app.state.demo_gateway = Gateway("http://demo.invalid", transport=DemoTransport(app.state.demo_spaces))
        app.state.started = True
        yield
        app.state.draining = True
        await app.state.gateway.close()
        await app.state.demo_gateway.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            return pages.render(request, "error.html", 405, title="Action impossible",
                                message="Cette page ne peut pas être utilisée ainsi.")
        return pages.render(request, "error.html", 404, title="Page introuvable",
                            message="Vérifiez l’adresse de la page, ou revenez à l’accueil.")

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return pages.render(request, "error.html", 403, title="Formulaire expiré ou refusé",
                            message="Pour votre sécurité, ce formulaire n’a pas été accepté. Revenez à la page "
                                    "précédente, rechargez-la et recommencez.")

    async def wrong_kind(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WrongKindOfSession)
        if exc.kind == PROFESSIONAL:
            return pages.render(request, "error.html", 403, title="Page réservée aux professionnels de santé",
                                message="Vous êtes connecté(e) à votre espace santé personnel. Cette page est celle "
                                        "des professionnels de santé.")
        return pages.render(request, "error.html", 403, title="Page réservée aux patients",
                            message="Vous êtes connecté(e) en tant que professionnel de santé. Cette page est celle "
                                    "de l’espace santé des patients.")

    async def body_refused(request: Request, exc: Exception) -> Response:
        return pages.render(request, "error.html", 413, title="Envoi trop volumineux",
                            message="Ce formulaire n’a pas pu être envoyé. Revenez à la page précédente et recommencez.")

    async def refused_by_gateway(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayError)
        if exc.status == 403 and exc.reason == DEMO_UNSUPPORTED:
            return pages.render(request, "error.html", 403, title="Action indisponible en mode démo",
                                message="Cette action n’est pas disponible en mode démo. Les autres pages de la démo "
                                        "restent à votre disposition.")
        if exc.status == 403:
            return pages.render(request, "error.html", 403, title="Accès refusé",
                                message="Vous n’avez pas accès à cette information.")
        if exc.status == 404:
            return await not_found(request, exc)
        if exc.status in (429, 503, 504):
            return pages.render(request, "error.html", 503, title="Service momentanément indisponible",
                                message="Le service ne répond pas pour le moment. Réessayez dans quelques minutes.")
        log.warning("gateway refusal not handled by the page",
                    extra={"status": exc.status, "code": exc.code, "reason": exc.reason, "path": request.url.path})
        return await unexpected(request, exc)

    async def unexpected(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, GatewayError):
            log.error("unexpected error", exc_info=exc, extra={"path": request.url.path})
        response = pages.render(request, "error.html", 500, title="Une erreur est survenue",
                                message="Nous n’avons pas pu afficher cette page. Réessayez dans quelques minutes.")
        response.headers.update({**headers.COMMON, "cache-control": "no-store"})
        return response

    routes = [
        Route("/healthz", healthz), Route("/readyz", readyz),
        Mount("/assets/govuk", StaticFiles(directory=govuk_assets)),
        Mount("/assets/portail", StaticFiles(directory=OWN_ASSETS)),
        *(route for module in PAGE_MODULES for route in module.routes(pages)),
    ]
    app = PortalApp(
        routes=routes, lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders, hsts=settings.secure_cookies),
                    Middleware(SessionMiddleware, sealer=CookieSealer(settings.session_secret),
                               secure=settings.secure_cookies)],
        exception_handlers={404: not_found, 405: not_found, CsrfRefused: csrf_refused, BodyRefused: body_refused,
                            WrongKindOfSession: wrong_kind,
                            GatewayError: refused_by_gateway, Exception: unexpected})
    app.state.started = app.state.draining = False
    return app


def _version_of(*folders: Path) -> str:
    """A digest of the assets: their URLs change with them, so browsers may cache them for a year."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]
