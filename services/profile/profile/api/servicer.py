"""Thin servicers: proto -> domain arguments, one use-case call, domain result -> proto."""
from __future__ import annotations

from mes.profile.v1 import profile_pb2_grpc


class ProfileServiceServicer(profile_pb2_grpc.ProfileServiceServicer):
    """Every RPC not written here answers UNIMPLEMENTED (the generated default)."""
