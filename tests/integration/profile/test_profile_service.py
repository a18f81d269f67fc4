"""profile as a process: it migrates its own database, binds a free port, reports it, and answers
health under its gRPC service name."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools.platform import ROOT, python_path, terminate
from devtools.services import health_name
from meskit import auth


def test_it_migrates_starts_and_answers_health(new_database, tmp_path):
    signer = auth.TokenSigner(auth.generate_private_key_pem(), issuer="mes-identity", audience="mes-api",
                              ttl_seconds=60)
    (tmp_path / "jwks.json").write_text(json.dumps(signer.jwks()))
    port_file = tmp_path / "port"
    env = {**os.environ, "PYTHONPATH": python_path("profile"), "SERVICE_NAME": "profile",
           "DATABASE_URL": new_database("profile"), "JWKS_FILE": str(tmp_path / "jwks.json"),
           "METRICS_PORT": "-1", "PORT_FILE": str(port_file),
           # its callees need not answer for it to serve: channels connect on first use
           "IDENTITY_ADDR": "127.0.0.1:9", "AUDIT_ADDR": "127.0.0.1:9", "DOCUMENTS_ADDR": "127.0.0.1:9",
           "SERVICE_CLIENT_SECRET": "profile-client-secret-for-tests-0123456789"}
    migrate = subprocess.run([sys.executable, "-m", "profile", "migrate"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr
    process = subprocess.Popen([sys.executable, "-m", "profile"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output = []
        for line in process.stdout:     # its log, until the line saying it serves (after PORT_FILE)
            output.append(line.decode(errors="replace"))
            if line.startswith(b"{") and json.loads(line).get("message") == "serving":
                break
        assert port_file.exists(), "".join(output)
        health = ""
        with grpc.insecure_channel(f"127.0.0.1:{int(port_file.read_text())}") as channel:
            request = health_pb2.HealthCheckRequest(service=health_name("profile"))
            for reply in health_pb2_grpc.HealthStub(channel).Watch(request, timeout=30):
                health = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
                if health == "SERVING":
                    break
        assert health == "SERVING"
    finally:
        terminate(process, grace=10)
