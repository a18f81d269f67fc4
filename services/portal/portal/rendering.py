"""Pages from the Jinja2 templates (autoescaped), with what every page needs: the session's CSRF
token, whether someone is signed in, and the message left by the previous page."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal.session import PROFESSIONAL, csrf_token, session_of

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The menus, in their order: (path, label). A page's entry is current on its path and below.
PATIENT_MENU = (("/", "Accueil"), ("/documents", "Documents"), ("/messagerie", "Messagerie"),
                ("/agenda", "Agenda"), ("/profil-medical", "Profil médical"), ("/historique", "Historique"),
                ("/notifications", "Notifications"), ("/acces", "Accès à mes données"), ("/proches", "Mes proches"),
                ("/applications", "Services connectés"), ("/compte", "Mon compte"))
PROFESSIONAL_MENU = (("/pro", "Mes patients"),)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def french_date(value: str | None) -> str:
    """ "2026-11-20" or an RFC 3339 timestamp -> "20 novembre 2026"."""
    if not value:
        return ""
    try:
        day = (datetime.fromisoformat(value.replace("Z", "+00:00")).date() if "T" in value
               else date.fromisoformat(value))
    except ValueError:
        return value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def french_size(size: int | str) -> str:
    size = int(size)
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} Mo".replace(".0 ", " ").replace(".", ",")
    if size >= 1000:
        return f"{size // 1000} ko"
    return f"{size} octets"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(french_date=french_date, french_size=french_size)
    return env


class Pages:
    def __init__(self, asset_version: str = ""):
        self.env = environment()
        self.env.globals["asset_version"] = asset_version

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        session = session_of(request) if "session" in request.scope else None
        context.setdefault("errors", {})
        context.setdefault("values", {})
        tokens = session.get("tokens") if session is not None else None
        kind = tokens.get("kind", "") if isinstance(tokens, dict) else ""
        acting = session.get("acting_for") if session is not None and kind != PROFESSIONAL else None
        body = self.env.get_template(template).render(
            request_path=request.url.path, csrf=csrf_token(session) if session is not None else "",
            signed_in=bool(kind), demo=isinstance(tokens, dict) and bool(tokens.get("demo")),
            menu=PROFESSIONAL_MENU if kind == PROFESSIONAL else PATIENT_MENU,
            acting_for=acting.get("name", "") if isinstance(acting, dict) else "",
            notice=session.pop("notice") if session is not None else None, **context)
        return HTMLResponse(body, status)
