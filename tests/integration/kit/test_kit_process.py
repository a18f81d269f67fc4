"""A service as the platform runs it: `python -m <service>`, settings, health, SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools.eventually import eventually
from devtools.ports import closed_port

ROOT = Path(__file__).resolve().parents[3]
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
GRACE_SECONDS = 1
READINESS = "mes.notifications.v1.NotificationsService"  # readiness is reported under the service name


def environment(service: str, **variables: str) -> dict[str, str]:
    paths = [ROOT / "lib", ROOT / "build" / "gen", ROOT / "services" / service]
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.pathsep.join(map(str, paths)),
            **variables}


def notifications_env(database_url: str, **overrides: str) -> dict[str, str]:
    variables = {"SERVICE_NAME": "notifications", "DATABASE_URL": database_url, "GRPC_PORT": "0",
                 "METRICS_PORT": "-1", "IDENTITY_ADDR": f"127.0.0.1:{closed_port()}", "SMTP_HOST": "127.0.0.1",
                 "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS)}
    variables.update(overrides)
    return environment("notifications", **{k: v for k, v in variables.items() if v is not None})


class Process:
    """`python -m notifications` on the port it binds itself (GRPC_PORT=0), read from its PORT_FILE."""

    def __init__(self, env: dict[str, str], stderr_path: Path):
        self.stderr_path = stderr_path
        port_file = stderr_path.with_suffix(".port")
        self._stderr = stderr_path.open("wb")
        self.popen = subprocess.Popen([sys.executable, "-m", "notifications"], env={**env, "PORT_FILE": str(port_file)},
                                      cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self._stderr)
        self._port_file = port_file
        self.channel: grpc.Channel | None = None

    def connect(self) -> None:
        def reported_port() -> int:
            assert self.popen.poll() is None, f"exited early:\n{self.stderr_path.read_text()}"
            return self._port_file.exists() and int(self._port_file.read_text())
        self.port = eventually(reported_port, timeout=30, what="the port in PORT_FILE")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def status(self) -> int | None:
        try:
            return self.health.Check(health_pb2.HealthCheckRequest(service=READINESS), timeout=10).status
        except grpc.RpcError:
            return None

    def wait_for(self, wanted: set, timeout: float = 30.0) -> int:
        def status_wanted() -> int | None:
            assert self.popen.poll() is None, f"exited early:\n{self.stderr_path.read_text()}"
            status = self.status()
            return status if status in wanted else None
        try:
            return eventually(status_wanted, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"health never in {wanted}:\n{self.stderr_path.read_text()}") from exc

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stderr_path.read_text().splitlines() if line.startswith("{")]

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
        self._stderr.close()


@pytest.fixture
def start(tmp_path):
    started: list[Process] = []

    def run(env: dict[str, str]) -> Process:
        process = Process(env, tmp_path / f"stderr-{len(started)}.log")
        started.append(process)
        process.connect()
        return process

    yield run
    for process in started:
        process.close()


@pytest.fixture
def migrated_database(new_database) -> str:
    url = new_database("notifications")
    done = subprocess.run([sys.executable, "-m", "notifications", "migrate"], cwd=ROOT, capture_output=True,
                          env=notifications_env(url), timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return url


class TestSettingsAtStart:
    def test_missing_settings_exit_2_listing_every_variable(self):
        done = subprocess.run([sys.executable, "-m", "identity"], cwd=ROOT, env=environment("identity"),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        for name in ("SERVICE_NAME", "DATABASE_URL", "SIGNING_KEY_FILE", "NOTIFICATIONS_ADDR"):
            assert f"{name}: missing" in done.stderr
        assert "Traceback" not in done.stderr

    def test_no_way_to_verify_tokens_exits_2_without_traceback(self):
        env = notifications_env("postgresql+psycopg://nobody@127.0.0.1:1/none", IDENTITY_ADDR=None)
        done = subprocess.run([sys.executable, "-m", "notifications"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert "IDENTITY_ADDR or JWKS_FILE" in done.stderr
        assert "Traceback" not in done.stderr


class TestLifecycle:
    def test_serving_then_sigterm_reports_not_serving_and_exits_0(self, start, migrated_database):
        process = start(notifications_env(migrated_database))
        process.wait_for({SERVING})
        updates = process.health.Watch(health_pb2.HealthCheckRequest(service=READINESS), timeout=GRACE_SECONDS + 30)
        assert next(updates).status == SERVING

        process.popen.send_signal(signal.SIGTERM)
        assert next(updates).status == NOT_SERVING  # before the server goes away
        assert process.popen.wait(GRACE_SECONDS + 20) == 0
        assert process.status() is None  # connection refused once it is gone

        messages = [(line["service"], line["message"]) for line in process.log_lines()]
        assert ("notifications", "serving") in messages
        assert ("notifications", "stopped") in messages
        (stopping,) = [line for line in process.log_lines() if line["message"] == "stopping"]
        assert stopping["signal"] == "SIGTERM"

    def test_database_that_does_not_exist_keeps_health_not_serving(self, start, new_database):
        missing = new_database("notifications").rsplit("/", 1)[0] + "/no_such_database"
        process = start(notifications_env(missing))
        process.wait_for({SERVING, NOT_SERVING})
        deadline = time.monotonic() + 1.5  # "stays not serving" has no end to wait for: several readiness passes
        while time.monotonic() < deadline:
            assert process.status() == NOT_SERVING
            time.sleep(0.1)
        assert process.popen.poll() is None  # still running, waiting for its database

        process.popen.send_signal(signal.SIGTERM)
        assert process.popen.wait(GRACE_SECONDS + 20) == 0
