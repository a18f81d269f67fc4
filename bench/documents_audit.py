"""(g)-(m): documents and audit under load, each beside a baseline measured in the same run.

  (g) GET /v1/patients/{id}/documents?pageSize=20 through the gateway, the demo patient's token, 20
      documents on one page (10 deposited by the demo GP, 10 by the patient); every listing is
      audited synchronously.
      Compared with the ceiling (c).
  (h) a 1,000,000-byte JPEG uploaded through the gateway (multipart POST, as the patient), vs
  (i) minio `put_object` of the same bytes to the same S3 endpoint (the platform's moto server).
  (j) audit AppendRecord, one record per call, and
  (k) AppendRecords, `audit_batch` records per call, with a documents-service token, vs
      Driven by grpc.aio tasks in one process (a request serialized once, fresh record ids per
      call, every reply checked), vs
  (l) one-row INSERT + COMMIT into a throwaway table of a throwaway database on the same
      PostgreSQL, and (m) `audit_batch` rows per transaction (executemany, pipelined);
      same concurrency as (j), (k), psycopg in worker processes x threads.

They use the short timing (`--io-warmup`, `--io-duration`) and Python worker processes, except
(g), which is a GET that h2load sends like (b). Kept apart from plan.py, which registers them at
its end; this module imports plan only inside functions (plan imports this one)."""
from __future__ import annotations

import dataclasses
import json
import math
import time
from datetime import date

from bench import h2load
from bench.payloads import RAW_DDL, RAW_TABLE, deposit_body, jpeg_of_size
from devtools.samples import blank_pdf

UPLOAD_BYTES = 1_000_000
S3_ACCESS_KEY, S3_SECRET_KEY = "local", "local-secret"       # devtools.platform's moto endpoint
RAW_BUCKET = "mes-bench-raw"
RAW_DATABASE = "bench_raw"
GP_TYPE_CODES = ("47420-5", "11488-4", "15508-5")          # CR de bilan fonctionnel, de consultation, d'accouchement
PATIENT_CATEGORIES = ("DOCUMENT_CATEGORY_CPT_REND", "DOCUMENT_CATEGORY_ORD_SOIN", "DOCUMENT_CATEGORY_BIOLOGIE",
                      "DOCUMENT_CATEGORY_RADIO_SC")
SEEDED_DOCUMENTS = 20
LIST_PAGE_SIZE = SEEDED_DOCUMENTS          # (g) lists its 20 on one page; (p) the first page of as many
AUDIT_GENERATOR_PROCESSES = 1              # (j), (k): asyncio tasks in one process, cheaper per call than threads


def _plan():
    from bench import plan
    return plan


def _short(ctx):
    """The context with the short timing of these measurements (lists and pids are shared)."""
    return dataclasses.replace(ctx, warmup=ctx.io_warmup, duration=ctx.io_duration)


def _per_item(summary, items: int):
    """Throughput in items (records, rows) when one call carries `items`; latencies stay per call."""
    return dataclasses.replace(summary, count=summary.count * items, errors=summary.errors * items)


def _post_document(client, patient_id: str, metadata: dict, data: bytes, filename: str, content_type: str,
                   token: str) -> dict:
    body, body_type = deposit_body(metadata, data, filename, content_type)
    status, answer = client.request("POST", f"/v1/patients/{patient_id}/documents", body,
                                    {"authorization": f"Bearer {token}", "content-type": body_type})
    if status != 200:
        raise RuntimeError(f"deposit -> {status} {answer[:300]!r}")
    return json.loads(answer)


def _pending_outbox(platform, service: str = "documents") -> int | None:
    """The service's outbox events not yet relayed (audit records, notices); None if unreadable."""
    import sqlalchemy as sa
    engine = sa.create_engine(platform.database_url(service))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _drain_outbox(ctx, timeout: float = 20.0, service: str = "documents") -> str:
    """Wait (bounded) until the service has relayed its outbox, so that it does not run into the
    next measurement; says how long it took."""
    started = time.monotonic()
    while True:
        pending = _pending_outbox(ctx.fixture.platform, service)
        if not pending:
            return f"the outbox of {service} relayed within {time.monotonic() - started:.1f} s" if pending == 0 \
                else f"the outbox of {service} not readable"
        if time.monotonic() - started > timeout:
            return f"{pending} outbox events still pending after {timeout:g} s"
        time.sleep(0.25)


def _documents(ctx) -> dict:
    """Once per run: the demo patient's 20 documents (10 by the demo GP, 10 by herself)."""
    if "documents" in ctx.shared:
        return ctx.shared["documents"]
    from bench.ops import KeepAliveClient
    from devtools.demo import DEMO_PASSWORD
    fixture = ctx.fixture
    patient_id = fixture.demo["patient"]["account_id"]
    gp = fixture.demo["professionals"]["gp"]
    gp_token = fixture.login((gp["login_id"], DEMO_PASSWORD, gp["email"]))["accessToken"]
    patient_token = fixture.patient_token()
    pdf = blank_pdf()
    client = KeepAliveClient(fixture.platform.gateway_url)
    started = time.monotonic()
    gp_documents = []
    try:
        for n in range(SEEDED_DOCUMENTS // 2):
            gp_documents.append(_post_document(client, patient_id, {
                "title": f"Compte rendu {n + 1}", "classCode": "10", "typeCode": GP_TYPE_CODES[n % len(GP_TYPE_CODES)],
                "documentDate": date(2026, 1 + n % 12, 1 + n).isoformat()}, pdf, "compte-rendu.pdf",
                "application/pdf", gp_token)["documentId"])
            _post_document(client, patient_id, {
                "title": f"Mon document {n + 1}", "category": PATIENT_CATEGORIES[n % len(PATIENT_CATEGORIES)],
                "documentDate": date(2025, 1 + n % 12, 1 + n).isoformat()}, pdf, "document.pdf",
                "application/pdf", patient_token)
    finally:
        client.close()
    seeded = {"patient_id": patient_id, "seconds": time.monotonic() - started, "gp_document_ids": gp_documents,
              "drain": _drain_outbox(ctx)}
    ctx.shared["documents"] = seeded
    return seeded


def measure_document_list(ctx):
    plan = _plan()
    fixture, short = ctx.fixture, _short(ctx)
    seeded = _documents(ctx)
    patient_id = seeded["patient_id"]
    headers = {"authorization": f"Bearer {fixture.patient_token()}"}
    path = f"/v1/patients/{patient_id}/documents?pageSize={LIST_PAGE_SIZE}"
    listed, body = first_page(fixture.platform.gateway_url, path, headers)
    notes = [f"{listed} documents listed per request, one page (pageSize={LIST_PAGE_SIZE}; 10 PDFs deposited by "
             f"the demo GP, classCode 10 + typeCodes {', '.join(GP_TYPE_CODES)}; 10 by the patient), "
             f"{len(body):,} bytes of JSON; seeding took "
             f"{seeded['seconds']:.1f} s; {seeded['drain']}",
             "per request: the gateway checks the token; documents asks identity for the access context, reads "
             "the patient's rows, decides each, appends one LIST record to audit and waits for its commit"]
    target = h2load.Target(f"{fixture.platform.gateway_url}{path}", http1=True, headers=tuple(headers.items()))
    summary, usage, generator, concurrency = plan._drive(
        short, "g", target, "bench.ops:http_get", (fixture.platform.gateway_url, path, headers), notes)
    return plan.Result("g", f"GET /v1/patients/{{id}}/documents via the gateway ({listed} docs)", generator,
                       concurrency, summary, usage, notes=notes)


def first_page(base_url: str, path: str, headers: dict) -> tuple[int, bytes]:
    """One listing before the load (a refusal fails here, plainly): (documents listed, the JSON)."""
    from bench.ops import get_ok
    body = get_ok(base_url, path, headers)
    return len(json.loads(body).get("documents", [])), body


def _upload_bytes(ctx) -> bytes:
    if "jpeg" not in ctx.shared:
        ctx.shared["jpeg"] = jpeg_of_size(UPLOAD_BYTES)
    return ctx.shared["jpeg"]


def measure_upload(ctx):
    plan = _plan()
    from bench.ops import KeepAliveClient
    from bench.pyload import Work
    fixture, short = ctx.fixture, _short(ctx)
    _documents(ctx)            # (g) lists 20 documents whether or not it ran before: seed first
    data = _upload_bytes(ctx)
    patient_id = fixture.demo["patient"]["account_id"]
    token = fixture.patient_token()
    metadata = {"title": "Compte rendu scanné", "category": "DOCUMENT_CATEGORY_CPT_REND"}
    body, body_type = deposit_body(metadata, data, "scan.jpg", "image/jpeg")
    headers = {"authorization": f"Bearer {token}", "content-type": body_type}
    path = f"/v1/patients/{patient_id}/documents"
    client = KeepAliveClient(fixture.platform.gateway_url, 60)
    try:
        first = _post_document(client, patient_id, metadata, data, "scan.jpg", "image/jpeg", token)
    finally:
        client.close()
    if first.get("contentType") != "image/jpeg" or int(first.get("sizeBytes", 0)) != len(data):
        raise RuntimeError(f"the upload was not stored as sent: {first.get('contentType')}, {first.get('sizeBytes')}")
    notes = [f"a {len(data):,}-byte baseline JPEG ({_jpeg_size(data)} colour noise, padded with comment segments), "
             f"as the patient (category CPT_REND); multipart body {len(body):,} bytes; {ctx.upload_workers} "
             "worker processes, each one upload at a time on a keep-alive connection",
             "per upload: gateway multipart parse, 256 KiB chunks streamed to documents, which asks identity, hashes, "
             "checks the content (disguises, the JPEG's structure, the start of its first scan decoded at 1/8 scale "
             "by Pillow), put_object to S3, then row + outbox in one transaction; the audit record goes through "
             "the outbox (relayed meanwhile)"]
    works = [Work("bench.io_ops:upload", (fixture.platform.gateway_url, path, headers, body))] * ctx.upload_workers
    summary, usage = plan.drive_python(short, works, notes)
    notes.append(f"{summary.rate * len(data) / 1e6:.1f} MB/s of file; after the window, {_drain_outbox(ctx)}")
    return plan.Result("h", "upload 1 MB JPEG via the gateway (multipart POST)", f"python x{len(works)}",
                       len(works), summary, usage, unit="upload", notes=notes)


def _jpeg_size(data: bytes) -> str:
    import io

    from PIL import Image
    width, height = Image.open(io.BytesIO(data)).size
    return f"{width}x{height}"


def measure_s3_put(ctx):
    plan = _plan()
    from minio import Minio

    from bench.pyload import Work
    platform, short = ctx.fixture.platform, _short(ctx)
    if "s3" not in platform.ports:
        raise RuntimeError("the platform runs without its S3 endpoint (LocalPlatform(s3=True))")
    endpoint = platform.address("s3")
    data = _upload_bytes(ctx)
    client = Minio(endpoint, access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY, secure=False)
    if not client.bucket_exists(RAW_BUCKET):
        client.make_bucket(RAW_BUCKET)
    notes = [f"the same {len(data):,} bytes, minio {_minio_version()} put_object under a fresh key each time "
             f"(bucket {RAW_BUCKET}), {ctx.upload_workers} worker processes, one client each (keep-alive)",
             "the S3 endpoint is moto's server, a thread of the bench process: its CPU is in bench+smtp+s3"]
    works = [Work("bench.io_ops:s3_put", (endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, RAW_BUCKET, data,
                                          "image/jpeg"))] * ctx.upload_workers
    summary, usage = plan.drive_python(short, works, notes)
    notes.append(f"{summary.rate * len(data) / 1e6:.1f} MB/s")
    _empty_bucket(client, RAW_BUCKET)          # moto keeps objects in memory
    return plan.Result("i", "minio put_object 1 MB, same S3 (baseline)", f"python x{len(works)}", len(works),
                       summary, usage, unit="upload", notes=notes)


def _minio_version() -> str:
    import minio
    return minio.__version__


def _empty_bucket(client, bucket: str) -> None:
    from minio.deleteobjects import DeleteObject
    objects = [DeleteObject(o.object_name) for o in client.list_objects(bucket, recursive=True)]
    for error in client.remove_objects(bucket, objects):
        raise RuntimeError(f"could not empty {bucket}: {error}")


def _service_token(ctx) -> str:
    import grpc

    from meskit.clients import service_token_provider
    platform = ctx.fixture.platform
    with grpc.insecure_channel(platform.address("identity")) as channel:
        return service_token_provider(channel, "documents", platform.service_secrets["documents"])()


def measure_audit_append(ctx, key: str, batch: int):
    plan = _plan()
    from bench.pyload import Work
    platform, short = ctx.fixture.platform, _short(ctx)
    tasks = math.ceil(ctx.concurrency / AUDIT_GENERATOR_PROCESSES)
    token = _service_token(ctx)
    size = "1 record" if not batch else f"{batch} records"
    notes = [f"{size} per call, like documents' LIST records (fresh record ids, one synthetic patient per task), "
             "a documents-service token from identity's IssueServiceToken; "
             f"{tasks} asyncio tasks in each of {AUDIT_GENERATOR_PROCESSES} process(es), grpc.aio, one channel each; the "
             "request serialized once, fresh record ids filled in per call, every reply checked"]
    if batch:
        notes.append(f"throughput in records ({batch} per call); latencies per call")
    works = [Work("bench.io_ops:audit_append", (platform.address("audit"), token, batch), tasks,
                  asynchronous=True)] * AUDIT_GENERATOR_PROCESSES
    summary, usage = plan.drive_python(short, works, notes)
    title = "audit AppendRecord, 1 record per call" if not batch else \
        f"audit AppendRecords, {batch} per call (ms per call)"
    return plan.Result(key, title, f"python aio {AUDIT_GENERATOR_PROCESSES}x{tasks}",
                       AUDIT_GENERATOR_PROCESSES * tasks, _per_item(summary, batch or 1), usage, unit="record",
                       notes=notes)


def _raw_database(ctx) -> tuple[str, str]:
    """Once per run: a throwaway database and table on the platform's PostgreSQL; (dsn, facts)."""
    if "raw_database" in ctx.shared:
        return ctx.shared["raw_database"]
    import psycopg
    from sqlalchemy.engine import make_url

    from meskit.db import ensure_database
    url = make_url(ctx.fixture.platform.database_url("audit")).set(database=RAW_DATABASE)
    ensure_database(url.render_as_string(hide_password=False))
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(RAW_DDL)
        settings = {name: connection.execute(f"SHOW {name}").fetchone()[0]
                    for name in ("fsync", "synchronous_commit", "wal_sync_method", "server_version")}
    facts = (f"PostgreSQL {settings['server_version']}, fsync={settings['fsync']}, synchronous_commit="
             f"{settings['synchronous_commit']}, wal_sync_method={settings['wal_sync_method']}, data on "
             f"{_filesystem(ctx.fixture.platform.var_dir)}")
    ctx.shared["raw_database"] = dsn, facts
    return dsn, facts


def _filesystem(path) -> str:
    import psutil
    best = None
    for part in psutil.disk_partitions(all=True):
        if str(path).startswith(part.mountpoint) and (best is None or len(part.mountpoint) > len(best.mountpoint)):
            best = part
    return f"{best.fstype} ({best.mountpoint})" if best else "?"


def measure_raw_insert(ctx, key: str, batch: int):
    plan = _plan()
    from bench.pyload import Work
    short = _short(ctx)
    processes, threads = ctx.python_split(ctx.concurrency)
    dsn, facts = _raw_database(ctx)
    notes = [("one row per transaction (INSERT, COMMIT)" if not batch else
              f"{batch} rows per transaction (executemany, pipelined, then COMMIT)")
             + f" into {RAW_DATABASE}.{RAW_TABLE} (uuid primary key, no other index), psycopg {_psycopg_version()}, "
             f"{processes} processes x {threads} threads, one connection each; {facts}"]
    works = [Work("bench.io_ops:raw_insert", (dsn, batch), threads)] * processes
    summary, usage = plan.drive_python(short, works, notes)
    title = "INSERT 1 row + COMMIT, same PostgreSQL (baseline)" if not batch else \
        f"INSERT {batch} rows + COMMIT, same PostgreSQL (ms per txn)"
    return plan.Result(key, title, f"python {processes}x{threads}", processes * threads,
                       _per_item(summary, batch or 1), usage, unit="row", notes=notes)


def _psycopg_version() -> str:
    import psycopg
    return psycopg.__version__


# (key, run): registered by bench.plan, with the short timing.
MEASURES = [
    ("g", measure_document_list),
    ("h", measure_upload),
    ("i", measure_s3_put),
    ("j", lambda ctx: measure_audit_append(ctx, "j", 0)),
    ("k", lambda ctx: measure_audit_append(ctx, "k", ctx.audit_batch)),
    ("l", lambda ctx: measure_raw_insert(ctx, "l", 0)),
    ("m", lambda ctx: measure_raw_insert(ctx, "m", ctx.audit_batch)),
]

RATIOS = [
    ("g", "n", "document list via the gateway (identity + rows + synchronous audit) / bare pipeline"),
    ("g", "c", "document list via the gateway (identity + rows + synchronous audit) / bare gRPC ceiling"),
    ("g", "b", "document list / account read, both through the gateway"),
    ("h", "i", "1 MB upload through the gateway and documents / raw put_object of the same bytes"),
    ("j", "l", "audit AppendRecord / raw one-row INSERT + COMMIT (records/s)"),
    ("k", "l", "audit AppendRecords in batches / raw one-row INSERT + COMMIT (records/s)"),
    ("k", "m", "audit AppendRecords / raw batched INSERT, same batch size (records/s)"),
]


def configuration(ctx, only: list[str]) -> list[tuple[str, str]]:
    if not any(key in only for key, _ in MEASURES):
        return []
    processes, threads = ctx.python_split(ctx.concurrency)
    return [("(g)-(m)", f"{ctx.io_warmup:g} s warm-up + {ctx.io_duration:g} s measured each; (g) like (b); "
                        f"(h)(i) {ctx.upload_workers} Python processes x 1 upload; (j)(k) grpc.aio "
                        f"{AUDIT_GENERATOR_PROCESSES} processes x {math.ceil(ctx.concurrency / AUDIT_GENERATOR_PROCESSES)} "
                        f"tasks; (l)(m) Python {processes} processes x {threads} threads; AppendRecords/batched "
                        f"INSERT of {ctx.audit_batch}"),
            ("s3", "moto server (devtools.platform s3=True) in the bench process; documents uses it via minio")]

