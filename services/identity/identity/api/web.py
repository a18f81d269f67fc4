"""mes.web.v1 WebRequest / WebResponse <-> the OAuth endpoints' HttpRequest / HttpResponse."""
from __future__ import annotations

from mes.web.v1 import web_pb2

from identity.domain.oauth_http import HttpRequest, HttpResponse


def request(r: web_pb2.WebRequest) -> HttpRequest:
    return HttpRequest(method=r.method.upper(), path=r.path, query=r.query,
                       headers=tuple((h.name.lower(), h.value) for h in r.headers), body=r.body,
                       base_url=r.base_url.rstrip("/"))


def response(r: HttpResponse) -> web_pb2.WebResponse:
    return web_pb2.WebResponse(status=r.status, headers=[web_pb2.Header(name=n.lower(), value=v) for n, v in r.headers],
                               body=r.body)
