"""The OAuth endpoints other than the pages: token, revocation, introspection, metadata; each
answers in the standard's own terms (RFC 6749 §5.2 errors), never an RPC error."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import InsecureTransportError, InvalidRequestError, OAuth2Error

from identity.domain.oauth_http import FORM, HttpRequest, HttpResponse
from identity.domain.oauth_server import NO_STORE, AppAuthorizationServer


class OAuthEndpoints:
    def __init__(self, server: AppAuthorizationServer):
        self._server = server

    def token(self, http: HttpRequest) -> HttpResponse:
        return self._posted(http, self._server.create_token_response)

    def revoke(self, http: HttpRequest) -> HttpResponse:
        return self._posted(http, lambda r: self._server.create_endpoint_response("revocation", r))

    def introspect(self, http: HttpRequest) -> HttpResponse:
        return self._posted(http, lambda r: self._server.create_endpoint_response("introspection", r))

    def metadata(self, http: HttpRequest) -> HttpResponse:
        if http.method != "GET":
            return _error(InvalidRequestError("GET only"), status=405)
        if not _absolute(http.base_url):
            return _error(InvalidRequestError("The public base URL is unknown"))
        body = json.dumps(self._server.metadata(http.base_url.rstrip("/")))
        return HttpResponse(200, [("Content-Type", "application/json"), ("Cache-Control", "public, max-age=300")],
                            body.encode())

    def _posted(self, http: HttpRequest, respond) -> HttpResponse:
        if http.method != "POST":
            return _error(InvalidRequestError("POST only"), status=405)
        if http.header("content-type").split(";")[0].strip().lower() != FORM:
            return _error(InvalidRequestError(f"The body must be {FORM}"))
        if http.query:
            return _error(InvalidRequestError("Parameters go in the body, not the query"))
        try:
            return respond(http)
        except InsecureTransportError as problem:
            return _error(problem)


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path in ("", "/")


def _error(problem: OAuth2Error, status: int | None = None) -> HttpResponse:
    code, body, headers = problem()
    return HttpResponse(status or code, [*headers, *NO_STORE], json.dumps(dict(body)).encode())
