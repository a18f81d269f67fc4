"""The whole platform as processes (PostgreSQL, SMTP sink, six services, gateway), once per run."""
from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from devtools.demo import seed
from devtools.platform import LocalPlatform

sys.path.insert(0, str(Path(__file__).parent))
from demo_login import activate_and_login  # noqa: E402


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """Identity's and agenda's clocks can be moved (seconds in `var_dir/identity-clock-offset`,
    `var_dir/agenda-clock-offset`); the delegation and creation jobs, the attestations' collection, agenda's
    reminders, the exports' builds and the erasures the services pull from identity run every second."""
    var_dir = tmp_path_factory.mktemp("platform").resolve()
    extra_env = {"identity": {"CLOCK_OFFSET_FILE": str(var_dir / "identity-clock-offset"),
                              "DELEGATION_JOBS_INTERVAL_SECONDS": "1", "CREATION_JOBS_INTERVAL_SECONDS": "1",
                              "ERASURE_JOBS_INTERVAL_SECONDS": "1"},
                 "documents": {"ATTESTATIONS_INTERVAL_SECONDS": "1", "ERASURE_INTERVAL_SECONDS": "1"},
                 "profile": {"ERASURE_INTERVAL_SECONDS": "1"},
                 "exports": {"ERASURE_INTERVAL_SECONDS": "1", "EXPORT_JOB_INTERVAL_SECONDS": "1"},
                 # agenda's clock moves too (seconds in `var_dir/agenda-clock-offset`); reminders every second
                 "agenda": {"CLOCK_OFFSET_FILE": str(var_dir / "agenda-clock-offset"),
                            "REMINDER_INTERVAL_SECONDS": "1", "ERASURE_INTERVAL_SECONDS": "1"},
                 "messaging": {"ERASURE_INTERVAL_SECONDS": "1"}}
    with LocalPlatform(var_dir, extra_env=extra_env) as running:
        running.demo = seed(running.address("identity"), running.key_file, running.var_dir / "demo.json",
                            running.address("messaging"), running.address("profile"))
        yield running


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
