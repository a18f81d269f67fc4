from __future__ import annotations

import grpc
import pytest

from gateway.problems import HTTP_STATUS, Problem, from_rpc_error, http_status, routing_problem
from meskit.errors import FieldViolation, InvalidArgument, Unauthenticated
from meskit.interceptor import status_for


class _Failed(grpc.RpcError):
    """A failed call as grpc hands it over: code, details and trailing metadata."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing=()):
        self._code, self._details, self._trailing = code, details, tuple(trailing)

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailing


def _from_domain(error) -> _Failed:
    status = status_for(error)
    return _Failed(status.code, status.details, status.trailing_metadata)


class TestStatusTable:
    @pytest.mark.parametrize("code, status", [
        ("OK", 200), ("CANCELLED", 499), ("UNKNOWN", 500), ("INVALID_ARGUMENT", 400),
        ("DEADLINE_EXCEEDED", 504), ("NOT_FOUND", 404), ("ALREADY_EXISTS", 409),
        ("PERMISSION_DENIED", 403), ("UNAUTHENTICATED", 401), ("RESOURCE_EXHAUSTED", 429),
        ("FAILED_PRECONDITION", 400), ("ABORTED", 409), ("OUT_OF_RANGE", 400), ("UNIMPLEMENTED", 501),
        ("INTERNAL", 500), ("UNAVAILABLE", 503), ("DATA_LOSS", 500)])
    def test_matches_grpc_gateway(self, code, status):
        assert http_status(code) == status

    def test_covers_every_grpc_code(self):
        assert set(HTTP_STATUS) == {code.name for code in grpc.StatusCode}


class TestFromRpcError:
    def test_reads_violations_and_reason(self):
        error = InvalidArgument("Requête invalide", reason="NIR_KEY",
                                violations=[FieldViolation("nir", "clé incorrecte")])
        problem = from_rpc_error(_from_domain(error))
        assert (problem.status, problem.code, problem.reason, problem.detail) == \
               (400, "INVALID_ARGUMENT", "NIR_KEY", "Requête invalide")
        assert problem.violations == [FieldViolation("nir", "clé incorrecte")]

    def test_unauthenticated_carries_a_bearer_challenge(self):
        problem = from_rpc_error(_from_domain(Unauthenticated("Jeton expiré", reason="TOKEN_EXPIRED")))
        assert problem.status == 401 and problem.headers["www-authenticate"].startswith("Bearer")

    def test_never_echoes_internal_details(self):
        problem = from_rpc_error(_Failed(grpc.StatusCode.INTERNAL, "psycopg: password=secret"))
        assert problem.status == 500 and "secret" not in problem.detail

    def test_transport_failures_get_a_generic_detail(self):
        problem = from_rpc_error(_Failed(grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses; 10.0.0.3"))
        assert problem.status == 503 and "10.0.0.3" not in problem.detail

    def test_inconsistent_details_are_ignored(self):
        status = status_for(InvalidArgument("a", reason="R"))
        problem = from_rpc_error(_Failed(grpc.StatusCode.NOT_FOUND, "other", status.trailing_metadata))
        assert problem.status == 404 and problem.reason == ""


class TestShape:
    def test_problem_document(self):
        problem = Problem(400, "Requête invalide", "INVALID_ARGUMENT", reason="X",
                          violations=[FieldViolation("a", "b")])
        assert problem.body("rid") == {
            "type": "about:blank", "title": "Bad Request", "status": 400, "detail": "Requête invalide",
            "code": "INVALID_ARGUMENT", "reason": "X", "violations": [{"field": "a", "description": "b"}],
            "request_id": "rid"}

    def test_optional_members_are_left_out(self):
        assert set(Problem(404, "x", "NOT_FOUND").body("r")) == {"type", "title", "status", "detail", "code",
                                                                  "request_id"}

    def test_routing_problems(self):
        assert routing_problem().status == 404
        wrong_method = routing_problem(("POST", "GET"))
        assert wrong_method.status == 405 and wrong_method.headers["allow"] == "GET, POST"
