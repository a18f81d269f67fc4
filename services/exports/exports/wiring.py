"""Composition root of exports."""
from __future__ import annotations

from pathlib import Path

from mes.exports.v1 import exports_pb2, exports_pb2_grpc

from meskit import db
from meskit.runner import verifier_for
from meskit.server import Registration, build_server

from exports.api.servicer import ExportsServiceServicer
from exports.config import ExportsSettings

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
SERVICE_NAME = exports_pb2.DESCRIPTOR.services_by_name["ExportsService"].full_name


def build(settings: ExportsSettings, **overrides):
    """(KitServer, engine, on_stop) for `meskit.runner.main`."""
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    kit = build_server(service=settings.service_name, port=settings.grpc_port,
                       verifier=overrides.get("verifier") or verifier_for(settings),
                       registrations=[Registration(exports_pb2_grpc.add_ExportsServiceServicer_to_server,
                                                   ExportsServiceServicer(), SERVICE_NAME)])
    return kit, engine, lambda: None
