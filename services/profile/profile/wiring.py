"""Composition root of profile."""
from __future__ import annotations

from pathlib import Path

from mes.profile.v1 import profile_pb2, profile_pb2_grpc

from meskit import db
from meskit.runner import verifier_for
from meskit.server import Registration, build_server

from profile.api.servicer import ProfileServiceServicer
from profile.config import ProfileSettings

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
SERVICE_NAME = profile_pb2.DESCRIPTOR.services_by_name["ProfileService"].full_name


def build(settings: ProfileSettings, **overrides):
    """(KitServer, engine, on_stop) for `meskit.runner.main`."""
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    kit = build_server(service=settings.service_name, port=settings.grpc_port,
                       verifier=overrides.get("verifier") or verifier_for(settings),
                       registrations=[Registration(profile_pb2_grpc.add_ProfileServiceServicer_to_server,
                                                   ProfileServiceServicer(), SERVICE_NAME)])
    return kit, engine, lambda: None
