"""The end-to-end tests' fixtures, over the whole platform of tests/conftest.py."""
from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from demo_login import activate_and_login  # noqa: E402


@pytest.fixture(scope="session")
def platform(whole_platform):
    return whole_platform


@pytest.fixture(scope="session")
def patient_session(platform):
    """(session, account) of the demo patient, activated and logged in through the gateway."""
    return activate_and_login(platform.gateway_url, platform.mail_dir, platform.demo["patient"])


@pytest.fixture
def gateway(platform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        yield client


_rpps = iter(range(10200000000, 10299999999))


@pytest.fixture
def new_professional(platform):
    """Factory: a professional of its own (login id, demo password), for tests that lock logins."""
    import grpc
    from mes.identity.v1 import identity_pb2 as pb
    from mes.identity.v1 import identity_pb2_grpc

    from devtools.demo import DEMO_PASSWORD, operator_token

    def make(login_id: str, profession_code: str = "10") -> str:
        with grpc.insecure_channel(platform.address("identity")) as channel:
            identity_pb2_grpc.IdentityServiceStub(channel).CreateProfessional(pb.CreateProfessionalRequest(
                rpps=str(next(_rpps)), profession_code=profession_code, given_name="Test", family_name="Verrou",
                login_id=login_id, password=DEMO_PASSWORD, email=f"{login_id}@cabinet.example"),
                metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")])
        return login_id
    return make
