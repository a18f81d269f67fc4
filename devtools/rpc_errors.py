"""What a gRPC error says beyond its code: the fields it names and its reason (google.rpc details)."""
from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def error_of(call) -> grpc.RpcError:
    """The gRPC error `call()` raises; an AssertionError when it succeeds."""
    try:
        call()
    except grpc.RpcError as error:
        return error
    raise AssertionError("the call succeeded where an error was expected")


def error_details(error: grpc.RpcError) -> tuple[set[str], str]:
    """(fields named by BadRequest violations, ErrorInfo reason)."""
    fields, reason = set(), ""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields |= {v.field for v in bad.field_violations}
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
    return fields, reason
