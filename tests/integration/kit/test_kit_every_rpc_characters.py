"""A control character in any string of any request to any RPC is refused by the kit's interceptor
with INVALID_ARGUMENT naming the field, before the servicer runs: never a 5xx from the database."""
from __future__ import annotations

import grpc
import pytest
from google.protobuf import message_factory

from devtools.every_rpc import all_services, every_rpc_server, planted
from devtools.rpc_errors import error_details, error_of
from meskit import auth

METHODS = [method for service in all_services() for method in service.methods]


@pytest.fixture(scope="module")
def every_rpc():
    signer = auth.TokenSigner(auth.generate_private_key_pem(), issuer="mes-identity", audience="mes-api",
                              ttl_seconds=600)
    verifier = auth.TokenVerifier(signer.jwks, issuer="mes-identity", audience="mes-api")
    with every_rpc_server(verifier) as (address, reached), grpc.insecure_channel(address) as channel:
        token, _ = signer.sign(auth.Caller(auth.PATIENT, "acc-1"))
        yield channel, [("authorization", f"Bearer {token}")], reached


def invoke(channel, method, request, metadata):
    """Calls `method` with `request` (the only message of a client stream); returns its reply."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    response = message_factory.GetMessageClass(method.output_type)
    kind = {(False, False): channel.unary_unary, (True, False): channel.stream_unary,
            (False, True): channel.unary_stream, (True, True): channel.stream_stream}
    call = kind[(method.client_streaming, method.server_streaming)](
        path, request_serializer=type(request).SerializeToString, response_deserializer=response.FromString)
    reply = call(iter([request]) if method.client_streaming else request, timeout=10, metadata=metadata)
    return list(reply) if method.server_streaming else reply


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.full_name)
def test_a_control_character_in_any_string_field_is_invalid_argument(every_rpc, method):
    channel, metadata, reached = every_rpc
    cases = list(planted(method.input_type, "avant\x00après"))
    for path, request in cases:
        failure = error_of(lambda: invoke(channel, method, request, metadata))
        assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT, (path, failure.details())
        fields, reason = error_details(failure)
        assert (fields, reason) == ({path}, "CONTROL_CHARACTER"), path
        assert path in failure.details()
    assert method.full_name not in reached.methods
    clean = message_factory.GetMessageClass(method.input_type)()
    if cases:
        clean = next(planted(method.input_type, "ligne 1\r\n\tligne 2 é 🩺"))[1]
    invoke(channel, method, clean, metadata)    # tab and newlines are text: served
    assert method.full_name in reached.methods


@pytest.mark.parametrize("character", ["\x01", "\x1f", "\x7f", "\x0b"])
def test_other_controls_are_refused_too(every_rpc, character):
    channel, metadata, _ = every_rpc
    method = next(m for m in METHODS if m.full_name == "mes.identity.v1.IdentityService.StartLogin")
    request = message_factory.GetMessageClass(method.input_type)(login_id=f"jacqueline{character}")
    failure = error_of(lambda: invoke(channel, method, request, metadata))
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT and error_details(failure)[0] == {"login_id"}


def test_a_client_stream_is_refused_at_the_message_that_holds_one(every_rpc):
    channel, metadata, reached = every_rpc
    from mes.documents.v1 import documents_pb2 as dpb
    method = next(m for m in METHODS if m.full_name == "mes.documents.v1.DocumentsService.UploadDocument")
    call = channel.stream_unary(f"/{method.containing_service.full_name}/{method.name}",
                                request_serializer=dpb.UploadDocumentRequest.SerializeToString,
                                response_deserializer=dpb.Document.FromString)
    messages = [dpb.UploadDocumentRequest(metadata=dpb.UploadDocumentMetadata(title="Bilan")),
                dpb.UploadDocumentRequest(chunk=b"\x00" * 10),          # bytes are not text
                dpb.UploadDocumentRequest(metadata=dpb.UploadDocumentMetadata(filename="a\x00.pdf"))]
    failure = error_of(lambda: call(iter(messages), timeout=10, metadata=metadata))
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(failure) == ({"metadata.filename"}, "CONTROL_CHARACTER")
