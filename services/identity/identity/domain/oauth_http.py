"""One HTTP exchange as identity's OAuth endpoints see it, whatever carried it (the gateway's
mes.web.v1.WebRequest): the framework-neutral request and response Authlib's adapter works on."""
from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

FORM = "application/x-www-form-urlencoded"
MAX_FIELD = 4096


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()      # names lower case
    body: bytes = b""
    base_url: str = ""                             # scheme and host the client used

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for n, v in self.headers if n == name), "")

    @property
    def uri(self) -> str:
        return f"{self.base_url}{self.path}" + (f"?{self.query}" if self.query else "")

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")

    def args(self) -> dict[str, list[str]]:
        return parse_qs(self.query, keep_blank_values=True)

    def form(self) -> dict[str, list[str]]:
        """The urlencoded body's fields ({} for another content type or an unreadable body)."""
        if self.method != "POST" or self.header("content-type").split(";")[0].strip().lower() != FORM:
            return {}
        try:
            return parse_qs(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return {}

    def cookie(self, name: str) -> str:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.header("cookie"))
        except CookieError:
            return ""
        morsel = jar.get(name)
        return morsel.value if morsel is not None else ""


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for n, v in self.headers if n.lower() == name), "")


def first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name) or [""]
    return values[0][:MAX_FIELD]
