"""Domain errors and their gRPC status: the code, message and details a client relies on."""
from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from meskit import errors
from meskit.interceptor import status_for


def unpack(status: grpc.Status):
    trailers = dict(status.trailing_metadata)
    rich = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    found = {}
    for detail in rich.details:
        for kind in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found[kind] = message
    return rich, found


class TestViolations:
    def test_collects_every_violation_before_raising(self):
        violations = errors.Violations()
        violations.require("", "email")
        violations.require(None, "birth_date")
        violations.add("nir", "13 ou 15 chiffres")
        with pytest.raises(errors.InvalidArgument) as info:
            violations.raise_if_any()
        assert [(v.field, v.description) for v in info.value.violations] == [
            ("email", "champ obligatoire"), ("birth_date", "champ obligatoire"), ("nir", "13 ou 15 chiffres")]
        assert info.value.message == "Requête invalide"

    def test_falsy_values_that_are_present_are_not_missing(self):
        violations = errors.Violations()
        for value in (0, False, "0"):
            violations.require(value, "field")
        violations.raise_if_any()  # nothing to raise

    def test_empty_bytes_are_missing(self):
        violations = errors.Violations()
        violations.require(b"", "content")
        assert [v.field for v in violations.items] == ["content"]


class TestStatusFor:
    @pytest.mark.parametrize("error_cls,code", [
        (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT), (errors.NotFound, grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
        (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
        (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
        (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
        (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.Unavailable, grpc.StatusCode.UNAVAILABLE), (errors.Unimplemented, grpc.StatusCode.UNIMPLEMENTED),
        (errors.DomainError, grpc.StatusCode.INTERNAL)])
    def test_maps_each_domain_error_to_its_status(self, error_cls, code):
        status = status_for(error_cls("Le dossier est introuvable"))
        assert status.code == code
        assert status.details == "Le dossier est introuvable"

    def test_carries_field_violations_and_reason(self):
        status = status_for(errors.InvalidArgument(
            "Requête invalide", reason="BAD_FORM",
            violations=[errors.FieldViolation("email", "adresse invalide"),
                        errors.FieldViolation("nir", "champ obligatoire")]))
        rich, found = unpack(status)
        assert rich.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert [(v.field, v.description) for v in found[error_details_pb2.BadRequest].field_violations] == [
            ("email", "adresse invalide"), ("nir", "champ obligatoire")]
        assert (found[error_details_pb2.ErrorInfo].reason, found[error_details_pb2.ErrorInfo].domain) == (
            "BAD_FORM", "mes")

    def test_adds_no_details_when_there_are_none(self):
        rich, found = unpack(status_for(errors.NotFound("Introuvable")))
        assert list(rich.details) == [] and found == {}
