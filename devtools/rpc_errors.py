"""What a gRPC error says beyond its code: the fields it names and its reason (google.rpc details)."""
from __future__ import annotations

import grpc

from meskit.status import details


def error_of(call) -> grpc.RpcError:
    """The gRPC error `call()` raises; an AssertionError when it succeeds."""
    try:
        call()
    except grpc.RpcError as error:
        return error
    raise AssertionError("the call succeeded where an error was expected")


def error_details(error: grpc.RpcError) -> tuple[set[str], str]:
    """(fields named by BadRequest violations, ErrorInfo reason)."""
    found = details(error)
    return {v.field for v in found.violations}, found.reason


def answer_of(call) -> tuple[grpc.StatusCode, str, bytes]:
    """Everything a client receives of a refusal: code, message and the encoded google.rpc.Status
    (reason, field violations), byte for byte; to show two refusals cannot be told apart."""
    error = error_of(call)
    encoded = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
    return error.code(), error.details(), encoded
