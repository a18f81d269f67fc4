"""The gateway served by uvicorn in a thread of the caller (tests), and an identity stand-in that
only publishes the keys verifying tokens, for tests of one service behind the gateway."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.eventually import eventually
from meskit.auth import TokenSigner
from meskit.server import Registration, build_server


@contextmanager
def running_gateway(environ: dict[str, str]) -> Iterator[str]:
    """A gateway built from `environ`, served on 127.0.0.1, port 0; yields its base URL."""
    from gateway.app import build_app
    from gateway.config import load_settings
    app = build_app(load_settings(environ))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, loop="uvloop", http="httptools", lifespan="on",
                                           log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    eventually(lambda: server.started or not thread.is_alive(), interval=0.01)
    assert server.started, "the gateway did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


class JwksOnly(identity_pb2_grpc.IdentityServiceServicer):
    """Identity as the gateway needs it in such tests: the keys that verify tokens."""

    def __init__(self, signer: TokenSigner):
        self.signer = signer

    def GetJwks(self, request, context):
        return ipb.GetJwksResponse(jwks_json=json.dumps(self.signer.jwks()))


@contextmanager
def jwks_identity(signer: TokenSigner) -> Iterator[str]:
    """An identity server publishing `signer`'s keys only; yields its address."""
    identity = build_server(service="identity-jwks", host="127.0.0.1", port=0, verifier=None, registrations=[
        Registration(identity_pb2_grpc.add_IdentityServiceServicer_to_server, JwksOnly(signer),
                     "mes.identity.v1.IdentityService")])
    identity.server.start()
    try:
        yield f"127.0.0.1:{identity.port}"
    finally:
        identity.stop(0)
