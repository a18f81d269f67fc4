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


def received_as(error: errors.DomainError) -> grpc.RpcError:
    """What a client of a kit server holds when that server raised `error`."""
    status = status_for(error)
    return grpc.aio.AioRpcError(status.code, grpc.aio.Metadata(), grpc.aio.Metadata(*status.trailing_metadata),
                                status.details)


class TestReceived:
    FALLBACK = errors.Unavailable("Service indisponible", reason="PEER_UNAVAILABLE")

    @pytest.mark.parametrize("error_cls", [
        errors.InvalidArgument, errors.NotFound, errors.AlreadyExists, errors.PermissionDenied,
        errors.Unauthenticated, errors.FailedPrecondition, errors.ResourceExhausted, errors.Unavailable,
        errors.Unimplemented])
    def test_a_passed_status_becomes_the_same_typed_error_with_the_callers_message(self, error_cls):
        mapped = errors.received(received_as(error_cls("message d'en face")), self.FALLBACK,
                                 **{error_cls.code: "Profil introuvable"})
        assert type(mapped) is error_cls
        assert mapped.message == "Profil introuvable"

    def test_keeps_the_violations_and_reason_the_other_service_sent(self):
        remote = errors.InvalidArgument("Requête invalide", reason="BAD_ID",
                                        violations=[errors.FieldViolation("patient_id", "36 caractères au plus")])
        mapped = errors.received(received_as(remote), self.FALLBACK, INVALID_ARGUMENT="Identifiant invalide")
        assert mapped.reason == "BAD_ID"
        assert [(v.field, v.description) for v in mapped.violations] == [("patient_id", "36 caractères au plus")]

    @pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                      grpc.StatusCode.INTERNAL, grpc.StatusCode.PERMISSION_DENIED])
    def test_a_status_not_passed_on_is_the_fallback(self, code):
        error = grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "boom")
        assert errors.received(error, self.FALLBACK, NOT_FOUND="Profil introuvable") is self.FALLBACK

    def test_an_error_without_a_status_is_the_fallback(self):
        assert errors.received(RuntimeError("socket closed"), self.FALLBACK, NOT_FOUND="x") is self.FALLBACK
        assert errors.code_name(RuntimeError("socket closed")) == ""

    def test_names_the_status_for_logs(self):
        assert errors.code_name(received_as(errors.NotFound("x"))) == "NOT_FOUND"
