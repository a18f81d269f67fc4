"""Composition root of documents (contract only until its issue lands: every RPC answers UNIMPLEMENTED)."""
from __future__ import annotations

from pathlib import Path

from mes.documents.v1 import documents_pb2_grpc

from meskit.runner import build_contract_only
from meskit.server import Registration

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


def build(settings, **overrides):
    return build_contract_only(settings, Registration(
        documents_pb2_grpc.add_DocumentsServiceServicer_to_server, documents_pb2_grpc.DocumentsServiceServicer(),
        "mes.documents.v1.DocumentsService"), **overrides)
