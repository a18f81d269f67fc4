"""`python -m bench.refserver`: a plain grpcio server with only the standard health service
(SERVING), no interceptor, the same thread pool size as meskit's servers. Prints its port.

The reference for the ceiling: what grpcio itself costs here, without the service kit."""
from __future__ import annotations

import signal
import sys
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    servicer = health.HealthServicer(experimental_non_blocking=True)
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    server.start()
    print(port, flush=True)
    stopped.wait()
    server.stop(1).wait()


if __name__ == "__main__":
    main()
