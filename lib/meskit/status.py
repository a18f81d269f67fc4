"""What a gRPC error says beyond its code: the google.rpc.Status details the kit's interceptor
sends (field violations, reason, retry delay). Read here once for every service, the gateway
and the tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from meskit.errors import FieldViolation


@dataclass(frozen=True)
class Details:
    violations: list[FieldViolation] = field(default_factory=list)
    reason: str = ""
    retry_after_seconds: int | None = None    # from RetryInfo, rounded up to a whole second (>= 1)
    rich: bool = False                        # a google.rpc.Status came with the error


def details(error: BaseException) -> Details:
    """The details of a received gRPC error; none when it carries no status, or details that
    contradict its code (then trust neither)."""
    try:
        status = rpc_status.from_call(cast(grpc.Call, error))   # an RpcError received is a Call too
    except (AttributeError, ValueError):
        status = None
    if status is None:
        return Details()
    violations: list[FieldViolation] = []
    reason, retry_after = "", None
    for packed in status.details:
        if packed.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            packed.Unpack(bad_request)
            violations += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
        elif packed.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            packed.Unpack(info)
            reason = info.reason
        elif packed.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            packed.Unpack(retry)
            retry_after = max(1, retry.retry_delay.seconds + (retry.retry_delay.nanos > 0))
    return Details(violations, reason, retry_after, rich=True)
