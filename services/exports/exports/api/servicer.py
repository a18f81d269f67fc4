"""Thin servicers: proto -> domain arguments, one use-case call, domain result -> proto."""
from __future__ import annotations

from mes.exports.v1 import exports_pb2_grpc


class ExportsServiceServicer(exports_pb2_grpc.ExportsServiceServicer):
    """Every RPC not written here answers UNIMPLEMENTED (the generated default)."""
