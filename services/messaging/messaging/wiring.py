"""Composition root of messaging (contract only until its issue lands: every RPC answers UNIMPLEMENTED)."""
from __future__ import annotations

from pathlib import Path

from mes.messaging.v1 import messaging_pb2_grpc

from meskit.runner import build_contract_only
from meskit.server import Registration

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


def build(settings, **overrides):
    return build_contract_only(settings, Registration(
        messaging_pb2_grpc.add_MessagingServiceServicer_to_server, messaging_pb2_grpc.MessagingServiceServicer(),
        "mes.messaging.v1.MessagingService"), **overrides)
