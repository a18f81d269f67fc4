"""Raw routes' pieces: the public base URL the upstream builds absolute URLs from, and the gateway's
own errors in the OAuth format (RFC 6749 allows printable ASCII only in error_description)."""
from __future__ import annotations

import json

from mes.options.v1 import options_pb2

from gateway import raw
from gateway.problems import Problem

SCOPE = {"scheme": "http", "server": ("10.0.0.7", 8080)}


def test_the_base_url_is_what_the_ingress_forwards():
    assert raw.base_url(SCOPE, {"x-forwarded-proto": "https", "x-forwarded-host": "mes.example, inner",
                                "host": "gateway:8080"}) == "https://mes.example"
    assert raw.base_url(SCOPE, {"host": "127.0.0.1:8080"}) == "http://127.0.0.1:8080"
    assert raw.base_url(SCOPE, {"host": "[::1]:8080"}) == "http://[::1]:8080"


def test_a_forged_host_or_scheme_is_not_taken():
    assert raw.base_url(SCOPE, {"host": "evil.example/path?x=", "x-forwarded-proto": "javascript"}) \
        == "http://10.0.0.7:8080"
    assert raw.base_url(SCOPE, {"x-forwarded-host": "a b", "host": "mes.example"}) == "http://mes.example"


def test_oauth_descriptions_are_printable_ascii():
    status, content_type, body = raw.error(Problem(429, "Trop de requêtes, \"patientez\" \\ à demain", "X"),
                                           options_pb2.Media.ERROR_FORMAT_OAUTH, "r1")
    assert (status, content_type) == (429, b"application/json")
    assert json.loads(body) == {"error": "temporarily_unavailable",
                                "error_description": "Trop de requetes, patientez  a demain"}
