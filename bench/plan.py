"""The measurements of one `make bench` run, and how each is driven and accounted.

Every measurement is closed loop: `concurrency` connections (or worker loops) each send their
next request as soon as the previous answer arrives; a warm-up runs first and is left out;
throughput counts what ended inside the measured window, latencies are those operations'."""
from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grpc_health.v1 import health_pb2

from bench import h2load
from bench.cpu import CpuMeter, Group, Usage, processes_of
from bench.fixture import Fixture
from bench.pyload import PythonLoad, Work
from bench.stats import Summary
from devtools.platform import terminate

ROOT = Path(__file__).resolve().parent.parent
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


@dataclass
class Result:
    key: str
    title: str
    generator: str
    concurrency: int
    summary: Summary
    usage: Usage | None
    unit: str = "req"
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)     # figures besides the summary (memory, paced p99)
    repetitions: list[Result] = field(default_factory=list)     # every run, when this one is their median

    def server_cores(self) -> float:
        if self.usage is None:
            return math.nan
        return sum(v for k, v in self.usage.cores.items() if k != "load generator")


@dataclass
class Context:
    fixture: Fixture
    warmup: float
    duration: float
    concurrency: int
    login_workers: int
    accounts_per_worker: int
    health_service: str
    generator: str                    # "h2load" or "python"
    h2load_binary: str | None
    workdir: Path
    say: Callable[[str], None] = print
    generator_pids: list[int] = field(default_factory=list)
    extra_pids: dict[str, list[int]] = field(default_factory=dict)
    # (g)-(m), bench/documents_audit.py: their shorter timing, upload workers, audit batch size,
    # and what they set up once and share (seeded documents, the JPEG, the raw database).
    io_warmup: float = 2.0
    io_duration: float = 10.0
    upload_workers: int = 4
    audit_batch: int = 50
    shared: dict = field(default_factory=dict)
    rps_per_client: float | None = None   # h2load paces each connection to this rate (an open-loop run)

    def meter(self) -> CpuMeter:
        fixture, services = self.fixture, [s for s in self.fixture.platform.processes if s != "gateway"]
        alone = ("identity", "documents", "audit", "messaging")
        others = [s for s in services if s not in alone]
        groups = [
            Group("gateway", processes_of(lambda: [fixture.pid("gateway")])),
            *[Group(name, processes_of(lambda name=name: [fixture.pid(name)])) for name in alone],
            Group("other services", processes_of(lambda: [fixture.pid(s) for s in others])),
            Group("postgres", processes_of(fixture.postgres_pids), with_children=True),
            Group("bench+smtp+s3", processes_of(lambda: [os.getpid()])),
            Group("load generator", processes_of(lambda: list(self.generator_pids))),
        ]
        groups += [Group(name, processes_of(lambda pids=pids: list(pids))) for name, pids in self.extra_pids.items()]
        return CpuMeter(groups)

    def python_split(self, concurrency: int) -> tuple[int, int]:
        """Worker processes x threads for the Python generator: a few processes, so that the
        load is not held by one GIL, with threads for the rest of the concurrency."""
        processes = min(concurrency, max(2, 2 * (os.cpu_count() or 1)))
        return processes, math.ceil(concurrency / processes)


def _window(ctx: Context, meter: CpuMeter, started_at: float) -> Usage:
    """CPU over the measured window, a little inside it so that no process starts or stops in it."""
    margin = min(0.5, ctx.duration / 10)
    time.sleep(max(0.0, started_at + ctx.warmup + margin - time.monotonic()))
    first = meter.snapshot()
    time.sleep(max(0.0, started_at + ctx.warmup + ctx.duration - margin - time.monotonic()))
    return CpuMeter.usage(first, meter.snapshot())


def drive_h2load(ctx: Context, key: str, target: h2load.Target) -> tuple[Summary, Usage]:
    workdir = ctx.workdir / key
    workdir.mkdir(parents=True, exist_ok=True)
    meter = ctx.meter()
    process, log = h2load.start(ctx.h2load_binary, target, concurrency=ctx.concurrency, warmup=ctx.warmup,
                                duration=ctx.duration, workdir=workdir, rps=ctx.rps_per_client)
    ctx.generator_pids[:] = [process.pid]
    try:
        usage = _window(ctx, meter, time.monotonic())
        summary = h2load.run_to_end(process, log, target, ctx.duration, timeout=ctx.warmup + ctx.duration + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        ctx.generator_pids.clear()
    return summary, usage


def drive_python(ctx: Context, works: list[Work], notes: list[str]) -> tuple[Summary, Usage]:
    load = PythonLoad(works, warmup=ctx.warmup, duration=ctx.duration)
    meter = ctx.meter()
    try:
        started_at = load.start()
        ctx.generator_pids[:] = load.pids()
        usage = _window(ctx, meter, started_at)
        summary = load.finish()
    finally:
        load.stop()
        ctx.generator_pids.clear()
    if load.first_errors:
        notes.append("first errors: " + " | ".join(load.first_errors[:3]))
    if load.failures_outside_window:
        notes.append(f"{load.failures_outside_window} failures during warm-up or after the window")
    return summary, usage


# ---- the measurements ----

def measure_login(ctx: Context) -> Result:
    platform, accounts = ctx.fixture.platform, ctx.fixture.accounts
    per = ctx.accounts_per_worker
    works = [Work("bench.ops:login", (platform.gateway_url, str(platform.mail_dir), accounts[i * per:(i + 1) * per]))
             for i in range(ctx.login_workers)]
    notes: list[str] = [f"{len(accounts)} accounts (the demo patient, demo and bench professionals), "
                        f"{per} per worker, each worker one login at a time"]
    summary, usage = drive_python(ctx, works, notes)
    return Result("a", "login: start + code from mail + complete", f"python x{len(works)}", len(works),
                  summary, usage, unit="login", notes=notes)


def _health_target(address: str) -> h2load.Target:
    target = h2load.grpc_unary(address, HEALTH_CHECK, health_pb2.HealthCheckRequest().SerializeToString())
    serving = health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING).SerializeToString()
    return h2load.Target(target.url, target.http1, target.headers, target.body,
                         body_bytes_per_response=5 + len(serving))


def _drive(ctx: Context, key: str, target: h2load.Target, factory: str, args: tuple,
           notes: list[str]) -> tuple[Summary, Usage, str, int]:
    if ctx.generator == "h2load":
        summary, usage = drive_h2load(ctx, key, target)
        return summary, usage, "h2load", ctx.concurrency
    processes, threads = ctx.python_split(ctx.concurrency)
    summary, usage = drive_python(ctx, [Work(factory, args, threads)] * processes, notes)
    return summary, usage, f"python {processes}x{threads}", processes * threads


def measure_account_read(ctx: Context) -> Result:
    fixture = ctx.fixture
    token = fixture.patient_token()
    headers = {"authorization": f"Bearer {token}"}
    target = h2load.Target(f"{fixture.platform.gateway_url}/v1/accounts/me", http1=True,
                           headers=tuple(headers.items()))
    notes = ["the demo patient's access token; the gateway checks it, identity checks it again and reads "
             "the account from PostgreSQL"]
    summary, usage, generator, concurrency = _drive(
        ctx, "b", target, "bench.ops:http_get", (fixture.platform.gateway_url, "/v1/accounts/me", headers), notes)
    return Result("b", "GET /v1/accounts/me via the gateway", generator, concurrency, summary, usage, notes=notes)


def measure_health(ctx: Context) -> Result:
    address = ctx.fixture.platform.address(ctx.health_service)
    summary, usage, generator, concurrency = _drive(
        ctx, "c", _health_target(address), "bench.ops:grpc_health", (address,), [])
    return Result("c", f"gRPC Health/Check, {ctx.health_service} (ceiling)", generator, concurrency,
                  summary, usage, notes=["through the service kit's interceptor, like every RPC"])


def measure_reference(ctx: Context) -> Result:
    server = subprocess.Popen([sys.executable, "-m", "bench.refserver"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline().strip())
        ctx.extra_pids["reference server"] = [server.pid]
        address = f"127.0.0.1:{port}"
        summary, usage, generator, concurrency = _drive(
            ctx, "d", _health_target(address), "bench.ops:grpc_health", (address,), [])
    finally:
        ctx.extra_pids.pop("reference server", None)
        terminate(server, 10)
    return Result("d", "gRPC Health/Check, plain grpcio (reference)", generator, concurrency, summary, usage,
                  notes=["a bare grpc.server with 32 threads and the health servicer, no interceptor"])


def _email_campaign(key: str, recipients: int) -> Callable[[Context], Result]:
    """(e) and (f): emails/s from one notifications worker into a local SMTP server."""
    from bench import notifications_email

    def measure(ctx: Context) -> Result:
        url = ctx.fixture.platform.database_url(f"notifications_bench_{key}")
        worker: list[int] = []
        ctx.extra_pids["notifications worker"] = worker
        meter, snapshots = ctx.meter(), {}
        try:
            (run,) = notifications_email.run(url, [recipients], ctx.workdir / f"email-{key}", ctx.say,
                                             on_worker=worker.append,
                                             on_window=lambda edge: snapshots.__setitem__(edge, meter.snapshot()))
            usage = CpuMeter.usage(snapshots["start"], snapshots["end"])
        finally:
            ctx.extra_pids.pop("notifications worker", None)
        nan = math.nan
        summary = Summary(count=run.received - run.duplicates, errors=run.errors, seconds=run.seconds,
                          p50=nan, p90=nan, p99=nan, mean=nan, max=nan)
        return Result(key, f"campaign email, {recipients:,} recipients, one worker", "campaign", 1, summary, usage,
                      unit="mail", notes=[
                          f"worker {run.worker_cpu_seconds / max(run.received, 1) * 1e6:,.0f} µs CPU per mail; "
                          f"{run.received:,} mails read back, {run.duplicates} duplicated; seeding and campaign "
                          f"creation ({run.setup_seconds:.1f} s) not measured"])
    return measure


@dataclass(frozen=True)
class Measurement:
    key: str
    run: Callable[[Context], Result]
    short: bool = False            # runs with ctx.io_warmup + ctx.io_duration


def median_repetition(runs: list[Result]) -> Result:
    """The run of median throughput (the lower middle one of an even count), holding all the runs."""
    ordered = sorted(runs, key=lambda r: r.summary.rate if not math.isnan(r.summary.rate) else -1.0)
    middle = ordered[(len(ordered) - 1) // 2]
    median = dataclasses.replace(middle, metrics=dict(middle.metrics), repetitions=list(runs))
    if len(runs) > 1:
        rates = ", ".join(f"{r.summary.rate:,.1f}" for r in runs)
        median.notes = [*median.notes, f"median of {len(runs)} repetitions ({rates} {median.unit}/s; warm-up "
                                       "before the first only)"]
    return median


def run_measurement(measurement: Measurement, ctx: Context, repeat: int, say: Callable[[str], None] = print) -> Result:
    """The measurement `repeat` times back to back (the warm-up before the first only): their median;
    then, for the paced targets, one more run at targets.PACE of that median's throughput."""
    from bench import targets
    runs = []
    for n in range(repeat):
        runs.append(measurement.run(ctx if n == 0 else dataclasses.replace(ctx, warmup=0.0, io_warmup=0.0)))
        if repeat > 1:
            say(f"({measurement.key}) repetition {n + 1}/{repeat}: {runs[-1].summary.rate:,.1f} {runs[-1].unit}/s")
    result = median_repetition(runs)
    if measurement.key in targets.PACED:
        _paced(measurement, ctx, result, say)
    return result


def _paced(measurement: Measurement, ctx: Context, result: Result, say: Callable[[str], None]) -> None:
    """An open-loop run at PACE of the peak: each h2load connection sends at a fixed rate."""
    from bench import targets
    rate = result.summary.rate
    if ctx.generator != "h2load" or not rate or math.isnan(rate):
        result.notes.append("no paced run: it needs h2load (--rps)")
        return
    paced = measurement.run(dataclasses.replace(ctx, warmup=0.0, io_warmup=0.0,
                                                rps_per_client=targets.PACE * rate / ctx.concurrency))
    summary = paced.summary
    result.metrics.update({"paced_target_rate": targets.PACE * rate, "paced_rate": summary.rate,
                           "paced_p50_ms": summary.p50 * 1000, targets.PACED_P99_MS: summary.p99 * 1000,
                           "paced_errors": summary.errors})
    if paced.usage is not None and summary.rate:
        result.metrics["paced_server_us_per_op"] = paced.server_cores() / summary.rate * 1e6
    result.notes.append(f"paced at {targets.PACE:.0%} of the peak ({targets.PACE * rate:,.1f} {result.unit}/s asked, "
                        f"{summary.rate:,.1f} done, {ctx.concurrency} connections at {targets.PACE * rate / ctx.concurrency:.2f}"
                        f"/s each): p50 {summary.p50 * 1000:.2f} ms, p99 {summary.p99 * 1000:.2f} ms, "
                        f"{summary.errors} errors")
    say(f"({measurement.key}) paced at {targets.PACE:.0%}: {summary.rate:,.1f} {result.unit}/s, "
        f"p99 {summary.p99 * 1000:.2f} ms")


from bench import bare  # noqa: E402   (n), the bare pipeline; it imports this module inside functions

MEASUREMENTS = [Measurement("a", measure_login), Measurement("b", measure_account_read),
                Measurement("c", measure_health), Measurement("d", measure_reference),
                Measurement("n", bare.measure_bare),
                Measurement("e", _email_campaign("e", 10_000)), Measurement("f", _email_campaign("f", 100_000))]

# Ratios printed under the results: (numerator, denominator, what it says).
RATIOS = [("b", "n", "authenticated read through the gateway / bare pipeline"),
          ("b", "c", "authenticated read through the gateway / bare gRPC ceiling"),
          ("n", "c", "bare pipeline (HTTP + gRPC hop + one SELECT) / bare gRPC ceiling"),
          ("a", "c", "end-to-end login / bare gRPC ceiling"),
          ("c", "d", "health check through the service kit / plain grpcio"),
          ("f", "e", "emails/s at 100,000 / at 10,000 recipients (1.0: the cost of a mail grows linearly)")]

# (g)-(m): documents and audit beside their baselines (bench/documents_audit.py imports this module).
from bench import documents_audit  # noqa: E402

MEASUREMENTS += [Measurement(key, run, short=True) for key, run in documents_audit.MEASURES]
RATIOS += documents_audit.RATIOS

# (o)-(q): a document read by a professional, the list of a patient with 2,000 documents, a 5 MB
# download (bench/document_reads.py).
from bench import document_reads  # noqa: E402

MEASUREMENTS += [Measurement(key, run, short=True) for key, run in document_reads.MEASURES]
RATIOS += document_reads.RATIOS

# (r): the messaging, a message sent and read through the gateway (bench/messaging.py).
from bench import messaging  # noqa: E402

MEASUREMENTS += [Measurement(key, run, short=True) for key, run in messaging.MEASURES]
RATIOS += messaging.RATIOS

# (s): the calendar, the demo patient's appointments listed through the gateway (bench/agenda.py).
from bench import agenda  # noqa: E402

MEASUREMENTS += [Measurement(key, run, short=True) for key, run in agenda.MEASURES]
RATIOS += agenda.RATIOS

# (t)-(w): her history and her documents with ~10,000 and ~1,000,000 rows in the table (bench/scale.py);
# they fill the tables, so they run last.
from bench import scale  # noqa: E402

MEASUREMENTS += [Measurement(key, run, short=True) for key, run in scale.MEASURES]
RATIOS += scale.RATIOS
