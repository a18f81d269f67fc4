"""meskit.status: what a received gRPC error says beyond its code."""
from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from meskit import errors
from meskit.status import Details, details

from tests.unit.kit.test_kit_errors import received_as


def _error_with(code: grpc.StatusCode, rpc_code: int, *messages) -> grpc.RpcError:
    packed = []
    for message in messages:
        any_ = any_pb2.Any()
        any_.Pack(message)
        packed.append(any_)
    status = status_pb2.Status(code=rpc_code, message="m", details=packed)
    trailing = grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString()))
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, "m")


class TestDetails:
    def test_reads_the_violations_and_reason_the_kit_sends(self):
        found = details(received_as(errors.InvalidArgument("x", reason="BAD", violations=[
            errors.FieldViolation("metadata.title", "trop long")])))
        assert found == Details([errors.FieldViolation("metadata.title", "trop long")], "BAD", None, rich=True)

    def test_rounds_a_retry_delay_up_to_a_whole_second(self):
        error = _error_with(grpc.StatusCode.RESOURCE_EXHAUSTED, code_pb2.RESOURCE_EXHAUSTED,
                            error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=2, nanos=1)))
        assert details(error).retry_after_seconds == 3

    def test_an_error_without_a_status_says_nothing_more(self):
        assert details(RuntimeError("socket closed")) == Details()
        assert details(grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(),
                                            grpc.aio.Metadata(), "down")) == Details()

    def test_details_that_contradict_the_code_are_not_trusted(self):
        error = _error_with(grpc.StatusCode.NOT_FOUND, code_pb2.INVALID_ARGUMENT,
                            error_details_pb2.ErrorInfo(reason="BAD"))
        assert details(error) == Details()
