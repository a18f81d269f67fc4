"""The platform under test and the people the load uses: started, seeded and logged in once."""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psutil
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from bench.ops import KeepAliveClient, Mailbox
from devtools.demo import DEMO_PASSWORD, operator_token, seed
from devtools.platform import LocalPlatform
from tests.e2e.demo_login import EMAIL as PATIENT_EMAIL
from tests.e2e.demo_login import LOGIN_ID as PATIENT_LOGIN_ID
from tests.e2e.demo_login import PASSWORD as PATIENT_PASSWORD
from tests.e2e.demo_login import activate_and_login

# Login is what the per-IP limit of public routes protects; the load comes from one address and
# each read from one token, so the bench lifts both limits (the limiters still run on every request).
GATEWAY_ENV = {"RATE_LIMIT_PUBLIC_PER_MINUTE": "100000000", "RATE_LIMIT_TOKEN_PER_MINUTE": "100000000"}
BENCH_PASSWORD = "Lune-Verte-2026!"
START_SECONDS = 180.0      # the processes' start; a loaded machine may need more than the platform's 60 s

Account = tuple[str, str, str]          # login id, password, email


class GatewayTimeout(RuntimeError):
    """The gateway answered 504: an upstream did not answer in time."""


@dataclass
class Fixture:
    platform: LocalPlatform
    demo: dict
    accounts: list[Account] = field(default_factory=list)

    def login(self, account: Account, attempts: int = 3) -> dict:
        """One login through the gateway, as a person does it; returns the session. A login that
        times out in the gateway (504, a loaded machine right after a measurement) is tried again."""
        for attempt in range(1, attempts + 1):
            try:
                return self._login(account)
            except GatewayTimeout:
                if attempt == attempts:
                    raise
                time.sleep(2.0 * attempt)
        raise AssertionError("unreachable")

    def _login(self, account: Account) -> dict:
        login_id, password, email = account
        client = KeepAliveClient(self.platform.gateway_url)
        mailbox = Mailbox(self.platform.mail_dir, {email})
        try:
            status, body = client.request("POST", "/v1/sessions:start", json.dumps(
                {"login_id": login_id, "password": password}).encode(), {"content-type": "application/json"})
            if status != 200:
                raise (GatewayTimeout if status == 504 else RuntimeError)(f"sessions:start -> {status} {body[:300]!r}")
            code = mailbox.wait_for_code(email)
            status, body = client.request("POST", "/v1/sessions:complete", json.dumps(
                {"challenge_id": json.loads(body)["challengeId"], "code": code}).encode(),
                {"content-type": "application/json"})
            if status != 200:
                raise (GatewayTimeout if status == 504 else RuntimeError)(
                    f"sessions:complete -> {status} {body[:300]!r}")
            return json.loads(body)
        finally:
            client.close()

    def patient_token(self) -> str:
        """A fresh access token of the demo patient (tokens are short-lived)."""
        return self.login((PATIENT_LOGIN_ID, PATIENT_PASSWORD, PATIENT_EMAIL))["accessToken"]

    # ---- processes, for the CPU table ----
    def pid(self, name: str) -> int:
        return self.platform.processes[name].pid

    def postgres_pids(self) -> list[int]:
        """The postmaster of this platform's data folder (its backends are its children)."""
        data_dir = str(self.platform.var_dir / "pgdata")
        found = []
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info["cmdline"] or []
            if len(cmdline) > 2 and cmdline[1] == "-D" and cmdline[2] == data_dir:
                found.append(process.pid)
        return found


def _bench_professional(index: int) -> dict:
    return {"rpps": f"1990000{index:04d}", "profession_code": "10", "given_name": "Camille",
            "family_name": "Durand", "specialty": "Médecine générale", "login_id": f"bench.pro.{index:03d}",
            "email": f"bench.pro.{index:03d}@bench.example", "password": BENCH_PASSWORD}


def create_professionals(fixture: Fixture, count: int) -> list[Account]:
    """`count` professionals with a login, through identity's operator RPC (as the seed does)."""
    if count <= 0:
        return []
    metadata = [("authorization", f"Bearer {operator_token(fixture.platform.key_file)}")]
    with grpc.insecure_channel(fixture.platform.address("identity")) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)

        def create(index: int) -> Account:
            fields = _bench_professional(index)
            stub.CreateProfessional(pb.CreateProfessionalRequest(**fields), metadata=metadata, timeout=30)
            return fields["login_id"], fields["password"], fields["email"]
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(create, range(1, count + 1)))


def prepare(platform: LocalPlatform, accounts_needed: int) -> Fixture:
    """Seed the demo people, activate the demo patient, and gather `accounts_needed` accounts
    that can log in: the patient, the demo professionals, then bench professionals."""
    demo = seed(platform.address("identity"), platform.key_file, platform.var_dir / "demo.json",
                platform.address("messaging"))
    fixture = Fixture(platform, demo)
    activate_and_login(platform.gateway_url, platform.mail_dir, demo["patient"])
    accounts: list[Account] = [(PATIENT_LOGIN_ID, PATIENT_PASSWORD, PATIENT_EMAIL)]
    accounts += [(p["login_id"], DEMO_PASSWORD, p["email"]) for p in demo["professionals"].values()]
    accounts = accounts[:accounts_needed]
    accounts += create_professionals(fixture, accounts_needed - len(accounts))
    fixture.accounts = accounts
    return fixture


def start_platform(var_dir: Path, log_level: str) -> LocalPlatform:
    # s3: documents' bytes in a real S3 endpoint (moto, a thread of this process), for the uploads of
    # (h) and the baseline (i); werkzeug would print a line per request.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    platform = LocalPlatform(var_dir, log_level=log_level, extra_env={"gateway": dict(GATEWAY_ENV)}, s3=True)
    try:
        platform.start(timeout=START_SECONDS)
    except BaseException:
        platform.stop()
        raise
    return platform
