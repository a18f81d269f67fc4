"""Tells a service identity calls to erase a deleted space's data (mes.lifecycle.v1 EraseSubjectData)."""
from __future__ import annotations

import logging

import grpc
from mes.lifecycle.v1 import lifecycle_pb2, lifecycle_pb2_grpc

log = logging.getLogger("identity.erasures")
TIMEOUT_SECONDS = 30.0


class SubjectDataEraser:
    def __init__(self, name: str, channel: grpc.Channel):
        self.name = name
        self._stub = lifecycle_pb2_grpc.SubjectDataServiceStub(channel)

    def __call__(self, account_id: str, erasure_id: str) -> dict[str, int] | None:
        """What it erased; None when it did not answer (told again at the next pass)."""
        try:
            answer = self._stub.EraseSubjectData(lifecycle_pb2.EraseSubjectDataRequest(
                account_id=account_id, erasure_id=erasure_id), timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            log.warning("erasure not carried out by %s: %s", self.name, error.code().name,
                        extra={"erasure_id": erasure_id})
            return None
        return {c.kind: c.count for c in answer.erased}
