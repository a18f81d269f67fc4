"""Composition root of agenda (contract only until its issue lands: every RPC answers UNIMPLEMENTED)."""
from __future__ import annotations

from pathlib import Path

from mes.agenda.v1 import agenda_pb2_grpc

from meskit.runner import build_contract_only
from meskit.server import Registration

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


def build(settings, **overrides):
    return build_contract_only(settings, Registration(
        agenda_pb2_grpc.add_AgendaServiceServicer_to_server, agenda_pb2_grpc.AgendaServiceServicer(),
        "mes.agenda.v1.AgendaService"), **overrides)
