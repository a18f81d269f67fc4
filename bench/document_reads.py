"""(o)-(q): reading documents through the gateway, beside the bare pipeline (n), the ceiling (c) and (g).

  (o) the demo GP (the patient's médecin traitant) reads one document's metadata, GET
      /v1/patients/{id}/documents/{document_id}, one of the ten he deposited for (g): the gateway
      checks his token; documents asks identity for the access context, reads the row, decides,
      appends one READ record to audit and waits for its commit before answering, then writes the
      patient's access notice (a professional read her space).
  (p) the same listing as (g), the first page of as many (pageSize=20), for a second patient who
      has 2,000 documents: the demo caregiver (Sophie Martin, activated with a login by the demo
      seed), who deposits them herself through the gateway once per run, a few threads at a time.
  (q) a 5,000,000-byte JPEG (the largest file the documents service accepts) downloaded by the
      demo patient, GET .../documents/{document_id}:download, one connection, while a thread
      samples the documents process's RSS every 5 ms: the peak above its idle RSS, in MB and in
      the chunks documents streams (reading.CHUNK_BYTES). Documents is restarted after the deposit
      and warmed with small downloads first, so that its idle RSS holds no freed large buffers.

Short timing, h2load like (b) for the three."""
from __future__ import annotations

import dataclasses
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench import h2load

LARGE_PATIENT_DOCUMENTS = 2000
SEED_THREADS = 4
DOWNLOAD_BYTES = 5_000_000
SAMPLE_SECONDS = 0.005
MB = 1024 * 1024


def _gp_token(fixture) -> str:
    from devtools.demo import DEMO_PASSWORD
    gp = fixture.demo["professionals"]["gp"]
    return fixture.login((gp["login_id"], DEMO_PASSWORD, gp["email"]))["accessToken"]


def measure_document_read(ctx):
    from bench import documents_audit as da
    from bench import plan
    fixture, short = ctx.fixture, da._short(ctx)
    seeded = da._documents(ctx)
    document_id = seeded["gp_document_ids"][0]
    headers = {"authorization": f"Bearer {_gp_token(fixture)}"}
    path = f"/v1/patients/{seeded['patient_id']}/documents/{document_id}"
    body = _get(fixture.platform.gateway_url, path, headers)
    if json.loads(body).get("documentId") != document_id:
        raise RuntimeError(f"GET {path} answered another document: {body[:200]!r}")
    notes = [f"the demo GP (médecin traitant) reads the metadata of one PDF he deposited ({len(body):,} bytes of "
             "JSON)",
             "per request: the gateway checks his token; documents asks identity for the access context, reads the "
             "row, decides, appends one READ record to audit and waits for its commit, then writes the patient's "
             "access notice (row + outbox) before answering"]
    target = h2load.Target(f"{fixture.platform.gateway_url}{path}", http1=True, headers=tuple(headers.items()))
    summary, usage, generator, concurrency = plan._drive(
        short, "o", target, "bench.ops:http_get", (fixture.platform.gateway_url, path, headers), notes)
    notes.append(f"after the window, {da._drain_outbox(ctx)}")
    return plan.Result("o", "professional reads one document's metadata via the gateway", generator, concurrency,
                       summary, usage, notes=notes)


def _get(base_url: str, path: str, headers: dict) -> bytes:
    from bench.ops import get_ok
    return get_ok(base_url, path, headers)


# ---- (p) ----

def _large_patient(ctx) -> dict:
    """Once per run: the demo caregiver, with LARGE_PATIENT_DOCUMENTS documents of her own."""
    if "large_patient" in ctx.shared:
        return ctx.shared["large_patient"]
    from bench import documents_audit as da
    from bench.ops import KeepAliveClient
    from devtools.demo import DEMO_PASSWORD
    from devtools.samples import blank_pdf
    fixture = ctx.fixture
    person = fixture.demo["caregiver"]
    account = (person["login_id"], DEMO_PASSWORD, person["email"])
    patient_id, token = person["account_id"], fixture.login(account)["accessToken"]
    pdf = blank_pdf()
    started = time.monotonic()

    def deposit(numbers: range) -> None:
        client = KeepAliveClient(fixture.platform.gateway_url)
        try:
            for n in numbers:
                da._post_document(client, patient_id, {
                    "title": f"Document {n + 1}", "category": da.PATIENT_CATEGORIES[n % len(da.PATIENT_CATEGORIES)],
                    "documentDate": f"20{10 + n % 16:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"},
                    pdf, "document.pdf", "application/pdf", token)
        finally:
            client.close()
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        list(pool.map(deposit, [range(i, LARGE_PATIENT_DOCUMENTS, SEED_THREADS) for i in range(SEED_THREADS)]))
    seconds = time.monotonic() - started
    seeded = {"patient_id": patient_id, "account": account, "seconds": seconds,
              "drain": da._drain_outbox(ctx, timeout=120)}
    ctx.shared["large_patient"] = seeded
    return seeded


def measure_large_list(ctx):
    from bench import documents_audit as da
    from bench import plan
    fixture, short = ctx.fixture, da._short(ctx)
    seeded = _large_patient(ctx)
    headers = {"authorization": f"Bearer {fixture.login(seeded['account'])['accessToken']}"}
    path = f"/v1/patients/{seeded['patient_id']}/documents?pageSize={da.LIST_PAGE_SIZE}"
    listed, body = da.first_page(fixture.platform.gateway_url, path, headers)
    notes = [f"the demo caregiver's own space, {LARGE_PATIENT_DOCUMENTS:,} PDFs she deposited through the gateway "
             f"({SEED_THREADS} threads, {seeded['seconds']:.1f} s, {LARGE_PATIENT_DOCUMENTS / seeded['seconds']:.0f}"
             f"/s, not measured; {seeded['drain']}); {listed} listed per request, the first page "
             f"(pageSize={da.LIST_PAGE_SIZE}), {len(body):,} bytes of JSON",
             "per request: as (g), for a patient with 100 times as many documents"]
    target = h2load.Target(f"{fixture.platform.gateway_url}{path}", http1=True, headers=tuple(headers.items()))
    summary, usage, generator, concurrency = plan._drive(
        short, "p", target, "bench.ops:http_get", (fixture.platform.gateway_url, path, headers), notes)
    return plan.Result("p", f"GET .../documents, {LARGE_PATIENT_DOCUMENTS:,} docs, first page of {listed}",
                       generator, concurrency, summary, usage, notes=notes)


# ---- (q) ----

class RssSampler:
    """RSS of one process every `interval` seconds in a thread, until stopped."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        import psutil
        self._process, self._interval = psutil.Process(pid), interval
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self._process.memory_info().rss)
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


def memory_above_idle(idle: list[int], during: list[int], chunk_bytes: int) -> dict[str, float]:
    """Peak RSS during the load minus the idle RSS (median of its samples), in MB and in chunks."""
    above = max(during) - statistics.median(idle)
    return {"idle_rss_mb": statistics.median(idle) / MB, "peak_rss_mb": max(during) / MB,
            "peak_above_idle_mb": above / MB, "peak_above_idle_chunks": above / chunk_bytes, "chunk_bytes": chunk_bytes}


def _large_document(ctx) -> dict:
    if "large_document" in ctx.shared:
        return ctx.shared["large_document"]
    from bench import documents_audit as da
    from bench.ops import KeepAliveClient
    from bench.payloads import jpeg_of_size
    fixture = ctx.fixture
    patient_id = fixture.demo["patient"]["account_id"]
    data = jpeg_of_size(DOWNLOAD_BYTES)
    client = KeepAliveClient(fixture.platform.gateway_url, 120)
    try:
        stored = da._post_document(client, patient_id, {"title": "Imagerie (5 Mo)", "category":
                                   "DOCUMENT_CATEGORY_RADIO_SC"}, data, "imagerie.jpg", "image/jpeg",
                                   fixture.patient_token())
    finally:
        client.close()
    if int(stored.get("sizeBytes", 0)) != len(data):
        raise RuntimeError(f"the 5 MB document was stored as {stored.get('sizeBytes')} bytes")
    ctx.shared["large_document"] = {"patient_id": patient_id, "document_id": stored["documentId"], "bytes": len(data)}
    return ctx.shared["large_document"]


def _fresh_documents_process(ctx, headers: dict) -> None:
    """Restart documents and warm it with downloads of a one-chunk PDF: its idle RSS then holds its
    code and connections, not the free memory an earlier large deposit or download left to the
    allocator (which would hide a whole file held in memory)."""
    from bench import documents_audit as da
    fixture = ctx.fixture
    seeded = da._documents(ctx)          # deposited before the restart, while the gateway reaches documents
    fixture.platform.restart("documents", timeout=120)
    small = f"/v1/patients/{seeded['patient_id']}/documents/{seeded['gp_document_ids'][0]}:download"
    deadline, warmed = time.monotonic() + 60, 0
    while warmed < 5:
        try:
            _get(fixture.platform.gateway_url, small, headers)
            warmed += 1
        except RuntimeError:          # the gateway's channel reconnecting to the new process
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def measure_download(ctx):
    from bench import documents_audit as da
    from bench import plan
    from documents.domain.reading import CHUNK_BYTES as chunk_bytes    # what documents streams with
    fixture = ctx.fixture
    one = dataclasses.replace(da._short(ctx), concurrency=1)
    document = _large_document(ctx)
    headers = {"authorization": f"Bearer {fixture.patient_token()}"}
    path = f"/v1/patients/{document['patient_id']}/documents/{document['document_id']}:download"
    if len(_get(fixture.platform.gateway_url, path, headers)) != document["bytes"]:
        raise RuntimeError("the download did not give the deposited bytes back")
    da._drain_outbox(ctx)
    _fresh_documents_process(ctx, headers)
    with RssSampler(fixture.pid("documents")) as idle:
        time.sleep(0.5)
    target = h2load.Target(f"{fixture.platform.gateway_url}{path}", http1=True, headers=tuple(headers.items()))
    notes = [f"the demo patient downloads a {document['bytes']:,}-byte JPEG she deposited once (the largest size "
             "the documents service accepts), one connection, one download at a time",
             "per download: the gateway checks her token; documents asks identity, reads the row, appends one "
             "DOWNLOAD record to audit (synchronously), reads the object from S3, checks its SHA-256, streams it "
             f"in {chunk_bytes // 1024} KiB chunks; the gateway relays them"]
    with RssSampler(fixture.pid("documents")) as during:
        summary, usage, generator, concurrency = plan._drive(
            one, "q", target, "bench.ops:http_get", (fixture.platform.gateway_url, path, headers), notes)
    memory = memory_above_idle(idle.samples, during.samples, chunk_bytes)
    notes.append(f"documents' RSS: idle {memory['idle_rss_mb']:.1f} MB, peak {memory['peak_rss_mb']:.1f} MB during "
                 f"the downloads ({len(during.samples):,} samples, every {SAMPLE_SECONDS * 1000:g} ms): "
                 f"{memory['peak_above_idle_mb']:.1f} MB = {memory['peak_above_idle_chunks']:.1f} chunks of "
                 f"{chunk_bytes // 1024} KiB above idle; {summary.rate * document['bytes'] / 1e6:.1f} MB/s; "
                 f"after the window, {da._drain_outbox(ctx)}")
    result = plan.Result("q", "download a 5 MB JPEG via the gateway", generator, concurrency, summary, usage,
                         unit="download", notes=notes)
    result.metrics.update(memory)
    return result


# (key, run): registered by bench.plan, with the short timing.
MEASURES = [("o", measure_document_read), ("p", measure_large_list), ("q", measure_download)]
RATIOS = [
    ("o", "n", "one document's metadata read by a professional (identity, decision, audit) / bare pipeline"),
    ("o", "c", "one document's metadata read by a professional / bare gRPC ceiling"),
    ("p", "g", "list of 20 with 2,000 documents / with 20 (1.0: the cost follows the page)"),
    ("p", "n", "list of 20 with 2,000 documents / bare pipeline"),
    ("p", "c", "list of 20 with 2,000 documents / bare gRPC ceiling"),
]
