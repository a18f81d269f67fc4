"""gRPC server factory: port 0 capable, honest health, reflection, graceful stop."""
from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from meskit.auth import TokenVerifier
from meskit.contract import app_methods, public_methods
from meskit.interceptor import KitInterceptor
from meskit.loop import Loop

log = logging.getLogger("meskit.server")

MAX_MESSAGE_BYTES = 8 * 1024 * 1024


@dataclass
class Registration:
    """One servicer to host: the generated `add_..._to_server` and the service's full name."""

    add_to_server: Callable
    servicer: object
    full_name: str


@dataclass
class KitServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer
    service_names: list[str]
    stopped: threading.Event = field(default_factory=threading.Event)

    def set_serving(self, serving: bool) -> None:
        """Readiness, reported under each service's name: SERVING only while dependencies answer.

        The overall status ("") is liveness: SERVING from start until the server drains, so
        that a database outage makes pods unready without getting them restarted.
        """
        status = (health_pb2.HealthCheckResponse.SERVING if serving
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        for name in self.service_names:
            self.health.set(name, status)

    def drain(self) -> None:
        """NOT_SERVING for good: a readiness check that passes again cannot undo it."""
        self.health.enter_graceful_shutdown()

    def stop(self, grace: float) -> None:
        self.drain()
        self.server.stop(grace).wait()
        self.stopped.set()


def build_server(*, service: str, registrations: list[Registration], port: int = 0,
                 verifier: TokenVerifier | None, host: str = "[::]", max_workers: int = 32,
                 max_message_bytes: int = MAX_MESSAGE_BYTES) -> KitServer:
    """`max_message_bytes`: the largest request or reply (messaging's carry a message's attachments)."""
    public = {f"/{r.full_name}/{m}" for r in registrations for m in public_methods(r.full_name)}
    for_apps = {f"/{r.full_name}/{m}" for r in registrations for m in app_methods(r.full_name)}
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"{service}-rpc"),
        interceptors=[KitInterceptor(service, verifier, public, for_apps)],
        options=[("grpc.max_receive_message_length", max_message_bytes),
                 ("grpc.max_send_message_length", max_message_bytes),
                 ("grpc.so_reuseport", 0)])
    for registration in registrations:
        registration.add_to_server(registration.servicer, server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [r.full_name for r in registrations]
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise RuntimeError(f"{service}: cannot bind gRPC port {port}")
    kit = KitServer(server, bound, health_servicer, names)
    kit.set_serving(False)
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    return kit


def watch_readiness(kit: KitServer, is_ready: Callable[[], bool], interval: float = 2.0) -> Loop:
    """Report SERVING only while `is_ready()` holds, checking more often while it does not;
    stop reporting once the server stops."""
    previous: bool | None = None

    def check() -> None:
        nonlocal previous
        try:
            ready = bool(is_ready())
        except Exception:
            ready = False
        if ready != previous and not kit.stopped.is_set():
            kit.set_serving(ready)
            log.info("health changed", extra={"serving": ready})
            previous = ready

    return Loop("readiness", check, lambda: interval if previous else min(interval, 0.2),
                stop_event=kit.stopped).start()


def report_port(port_file: str, port: int) -> None:
    """Write the bound port to `port_file` (if set) in one step: a reader sees all of it or nothing."""
    if not port_file:
        return
    partial = f"{port_file}.{os.getpid()}.part"
    with open(partial, "w") as out:
        out.write(f"{port}\n")
    os.replace(partial, port_file)


def serve_until_signalled(kit: KitServer, grace: float, on_stop: Callable[[], None] = lambda: None,
                          port_file: str = "") -> None:
    """Block until SIGTERM/SIGINT: report NOT_SERVING first, then stop with a grace period.
    Once the server accepts calls, its port goes to `port_file` for whoever started it."""
    signalled = threading.Event()

    def handle(signum, _frame):
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        kit.drain()
        signalled.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    kit.server.start()
    report_port(port_file, kit.port)
    log.info("serving", extra={"port": kit.port})
    signalled.wait()
    kit.stopped.set()
    kit.stop(grace)
    on_stop()
    log.info("stopped")
