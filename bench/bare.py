"""(n): the bare pipeline, what Python itself does here for one read: HTTP in, gRPC hop, one row out.

Two processes the bench starts, with no authentication, audit, logging or metrics:

  `python -m bench.bare grpc DSN`   a synchronous `grpc.server` (32 threads, as meskit's) whose one
      unary method runs one prepared primary-key SELECT through psycopg (one connection per server
      thread, autocommit) and answers the row as a protobuf Struct;
  `python -m bench.bare http ADDRESS`   Starlette on uvicorn (uvloop + httptools, as
      meskit.http_serving serves the gateway) whose one GET route calls it over a grpc.aio channel
      (as the gateway calls the services) and answers the row as JSON.

Each prints its port once serving. The row sits in a throwaway table of the throwaway database of
the platform's PostgreSQL (bench.documents_audit._raw_database). Driven like (b): h2load, the same
connections, HTTP/1.1 keep-alive."""
from __future__ import annotations

import signal
import sys
import threading
import uuid
from concurrent import futures

BARE_TABLE = "bench_bare_rows"
BARE_ROWS = 1000
ROW_ID = uuid.UUID("00000000-0000-4000-8000-000000000007")
METHOD = "/mes.bench.Bare/GetRow"
BARE_DDL = f"""
CREATE TABLE IF NOT EXISTS {BARE_TABLE} (
    id uuid PRIMARY KEY,
    patient_id text NOT NULL,
    title text NOT NULL,
    type_code text NOT NULL,
    size_bytes bigint NOT NULL,
    created_at timestamptz NOT NULL
)"""
SELECT = f"SELECT id, patient_id, title, type_code, size_bytes, created_at FROM {BARE_TABLE} WHERE id = %s"
PATH = f"/rows/{ROW_ID}"


def prepare_table(dsn: str) -> None:
    """The table and its rows, once (idempotent)."""
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(BARE_DDL)
        if connection.execute(f"SELECT count(*) FROM {BARE_TABLE}").fetchone()[0] < BARE_ROWS:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {BARE_TABLE} VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT DO NOTHING",
                    [(uuid.UUID(int=ROW_ID.int + n), f"patient-{n % 50}", f"Compte rendu {n}", "11488-4",
                      10_000 + n) for n in range(BARE_ROWS)])


def row_struct(row: tuple):
    from google.protobuf import struct_pb2
    message = struct_pb2.Struct()
    message.update({"id": str(row[0]), "patientId": row[1], "title": row[2], "typeCode": row[3],
                    "sizeBytes": str(row[4]), "createdAt": row[5].isoformat()})
    return message


def _wait_for_signal() -> threading.Event:
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    return stopped


def serve_grpc(dsn: str, workers: int = 32) -> None:
    import grpc
    import psycopg
    from google.protobuf import struct_pb2, wrappers_pb2
    local = threading.local()

    def get_row(request, context):
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = psycopg.connect(dsn, autocommit=True)
        row = connection.execute(SELECT, (uuid.UUID(request.value),), prepare=True).fetchone()
        if row is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such row")
        return row_struct(row)

    handler = grpc.method_handlers_generic_handler("mes.bench.Bare", {"GetRow": grpc.unary_unary_rpc_method_handler(
        get_row, request_deserializer=wrappers_pb2.StringValue.FromString,
        response_serializer=struct_pb2.Struct.SerializeToString)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    stopped = _wait_for_signal()
    server.start()
    print(port, flush=True)
    stopped.wait()
    server.stop(1).wait()


def http_app(address: str):
    import grpc
    from google.protobuf import json_format, struct_pb2, wrappers_pb2
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    calls: dict = {}

    async def read_row(request):
        if "get_row" not in calls:        # the channel belongs to the serving loop
            channel = grpc.aio.insecure_channel(address)
            calls["get_row"] = channel.unary_unary(METHOD, request_serializer=wrappers_pb2.StringValue.SerializeToString,
                                                   response_deserializer=struct_pb2.Struct.FromString)
        reply = await calls["get_row"](wrappers_pb2.StringValue(value=request.path_params["row_id"]), timeout=10)
        return JSONResponse(json_format.MessageToDict(reply))

    return Starlette(routes=[Route("/rows/{row_id}", read_row)])


def serve_http(address: str) -> None:
    import asyncio
    import socket

    import uvicorn
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    config = uvicorn.Config(http_app(address), loop="uvloop", http="httptools", lifespan="off", log_config=None,
                            access_log=False, server_header=False)
    server = uvicorn.Server(config)

    async def run() -> None:
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        print(sock.getsockname()[1], flush=True)
        await serving
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(run())


def main() -> None:
    role, argument = sys.argv[1], sys.argv[2]
    if role == "grpc":
        serve_grpc(argument)
    elif role == "http":
        serve_http(argument)
    else:
        raise SystemExit(f"usage: python -m bench.bare grpc DSN | http ADDRESS (not {role!r})")


# ---- the measurement, run by bench.plan ----

def measure_bare(ctx):
    import subprocess

    from bench import documents_audit, h2load
    from bench.plan import ROOT, Result, _drive
    from devtools.platform import terminate
    dsn, facts = documents_audit._raw_database(ctx)
    prepare_table(dsn)
    servers: list[subprocess.Popen] = []
    try:
        grpc_server = subprocess.Popen([sys.executable, "-m", "bench.bare", "grpc", dsn], cwd=ROOT,
                                       stdout=subprocess.PIPE, text=True)
        servers.append(grpc_server)
        grpc_port = int(grpc_server.stdout.readline().strip())
        http_server = subprocess.Popen([sys.executable, "-m", "bench.bare", "http", f"127.0.0.1:{grpc_port}"],
                                       cwd=ROOT, stdout=subprocess.PIPE, text=True)
        servers.append(http_server)
        base_url = f"http://127.0.0.1:{int(http_server.stdout.readline().strip())}"
        _check(base_url)
        ctx.extra_pids["bare http"] = [http_server.pid]
        ctx.extra_pids["bare grpc"] = [grpc_server.pid]
        notes = [f"Starlette {_version('starlette')} on uvicorn {_version('uvicorn')} (uvloop, httptools) -> "
                 f"grpc.aio channel -> sync grpc.server (32 threads) -> one prepared SELECT by primary key "
                 f"(psycopg, prepare=True, one connection per server thread) on a {BARE_ROWS}-row table of "
                 f"{documents_audit.RAW_DATABASE}; protobuf Struct between the two, JSON out; no authentication, "
                 "audit, logging or metrics; its CPU is in the columns bare http and bare grpc"]
        target = h2load.Target(f"{base_url}{PATH}", http1=True)
        summary, usage, generator, concurrency = _drive(ctx, "n", target, "bench.ops:http_get",
                                                        (base_url, PATH, {}), notes)
    finally:
        ctx.extra_pids.pop("bare http", None)
        ctx.extra_pids.pop("bare grpc", None)
        for server in reversed(servers):
            terminate(server, 10)
    return Result("n", "bare pipeline: Starlette -> gRPC -> prepared SELECT (baseline)", generator, concurrency,
                  summary, usage, notes=notes)


def _check(base_url: str) -> None:
    import json

    from bench.ops import KeepAliveClient
    client = KeepAliveClient(base_url)
    try:
        status, body = client.request("GET", PATH)
    finally:
        client.close()
    if status != 200 or json.loads(body).get("id") != str(ROW_ID):
        raise RuntimeError(f"the bare pipeline answered {status} {body[:200]!r}")


def _version(package: str) -> str:
    from importlib.metadata import version
    return version(package)


if __name__ == "__main__":
    main()
