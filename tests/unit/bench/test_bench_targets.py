"""The pure parts of the repetitions and the targets: which run is the median, how the targets are
evaluated, what build/bench/last.json holds for scripts/capacity.py (nothing here is timed)."""
from __future__ import annotations

import json
import math
from pathlib import Path

from bench import h2load, report
from bench.cpu import Usage
from bench.document_reads import memory_above_idle
from bench.plan import MEASUREMENTS, RATIOS, Context, Measurement, Result, median_repetition, run_measurement
from bench.stats import Summary
from bench.targets import MEMORY_CHUNKS, PACED, PACED_P99_MS, RATE, REPEATED, TARGETS, Target, evaluate


def _result(key: str, count: int, seconds: float = 10.0, **metrics) -> Result:
    summary = Summary(count=count, errors=0, seconds=seconds, p50=0.01, p90=0.02, p99=0.03, mean=0.012, max=0.05)
    usage = Usage(seconds, {"gateway": 0.5, "postgres": 0.25, "load generator": 0.1}, machine_cores=0.9)
    return Result(key, f"measurement {key}", "h2load", 16, summary, usage, metrics=dict(metrics))


def _context(generator: str = "h2load") -> Context:
    return Context(fixture=None, warmup=10.0, duration=15.0, concurrency=16, login_workers=1, accounts_per_worker=1,
                   health_service="identity", generator=generator, h2load_binary=None, workdir=Path("/nonexistent"),
                   say=lambda _: None, io_warmup=2.0, io_duration=10.0)


def test_the_median_repetition_is_the_run_of_middle_throughput_and_keeps_them_all():
    runs = [_result("b", 3000), _result("b", 1000), _result("b", 2000)]
    median = median_repetition(runs)
    assert median.summary.count == 2000
    assert median.repetitions == runs
    assert "median of 3 repetitions (300.0, 100.0, 200.0 req/s" in median.notes[-1]
    median.metrics["x"] = 1.0
    assert "x" not in runs[2].metrics                 # the median's figures are its own
    assert median_repetition([_result("b", 10), _result("b", 20)]).summary.count == 10    # the lower middle
    assert median_repetition([runs[0]]).notes == runs[0].notes


def test_repetitions_warm_up_before_the_first_run_only():
    seen = []

    def run(ctx):
        seen.append((ctx.warmup, ctx.io_warmup))
        return _result("b", 1000 + len(seen))
    result = run_measurement(Measurement("b", run), _context(), 3)
    assert seen == [(10.0, 2.0), (0.0, 0.0), (0.0, 0.0)]
    assert result.summary.count == 1002 and len(result.repetitions) == 3


def test_a_paced_measurement_runs_once_more_at_the_pace_of_its_median():
    seen = []

    def run(ctx):
        seen.append(ctx.rps_per_client)
        return _result("g", [1600, 800, 1200, 700][len(seen) - 1])
    result = run_measurement(Measurement("g", run), _context(), 3)
    assert seen[:3] == [None, None, None]
    assert math.isclose(seen[3], 0.7 * 120 / 16)           # 70 % of the median (120/s), per connection
    assert result.metrics["paced_rate"] == 70.0 and result.metrics[PACED_P99_MS] == 30.0
    assert len(result.repetitions) == 3                    # the paced run is not a repetition
    without_h2load = run_measurement(Measurement("g", lambda ctx: _result("g", 100)), _context("python"), 1)
    assert PACED_P99_MS not in without_h2load.metrics and "needs h2load" in without_h2load.notes[-1]


def test_targets_are_ratios_at_least_or_figures_at_most():
    figures = {"b": {RATE: 600.0}, "n": {RATE: 1000.0}, "o": {RATE: 300.0, PACED_P99_MS: 80.0},
               "q": {RATE: 20.0, MEMORY_CHUNKS: 1.5}, "g": {RATE: float("nan")}}
    outcomes = {o.target.name: o for o in evaluate(figures)}
    assert outcomes["(b) / (n)"].measured == 0.6 and outcomes["(b) / (n)"].met is True       # the bound is met
    assert outcomes["(o) / (n)"].met is False
    assert outcomes["(o) p99 at 70% of peak"].measured == 80.0 and outcomes["(o) p99 at 70% of peak"].met is False
    assert outcomes["(q) memory"].met is True
    assert outcomes["(g) / (n)"].measured is None and outcomes["(g) / (n)"].met is None      # nan: not measured
    assert outcomes["(k) / (m)"].met is None
    assert evaluate({"x": {RATE: 1.0}, "y": {RATE: 0.0}}, [Target("x/y", "", "x", "y", bound=1)])[0].measured is None


def test_the_targets_are_the_issues_table_and_every_term_is_measured():
    keys = {m.key for m in MEASUREMENTS}
    assert {t.key for t in TARGETS} | {t.versus for t in TARGETS if t.versus} <= keys
    assert REPEATED == set("bncogphijkm") and PACED == {"o", "g"}
    assert [t.name for t in TARGETS if t.versus] == ["(b) / (n)", "(o) / (n)", "(g) / (n)", "(p) / (g)", "(h) / (i)",
                                                      "(j) / (c)", "(k) / (m)"]
    reads = {"b", "o", "g", "p", "r", "s"}
    ratios = {(top, bottom) for top, bottom, _ in RATIOS}
    assert {(k, "n") for k in reads} <= ratios and {(k, "c") for k in reads} <= ratios


def test_the_json_keeps_every_repetition_the_cpu_per_operation_and_the_targets():
    median = median_repetition([_result("b", 1000), _result("b", 2000), _result("b", 3000)])
    memory = _result("q", 100, **{MEMORY_CHUNKS: 3.0})
    outcomes = evaluate(report.figures([median, memory]))
    payload = json.loads(json.dumps(report.payload([median, memory], [("cpus", "2")], [("timing", "x")], outcomes)))
    b, q = payload["results"]
    assert b["summary"]["rate"] == 200.0 and [r["summary"]["count"] for r in b["repetitions"]] == [1000, 2000, 3000]
    assert b["cpu_us_per_op"]["gateway"] == 0.5 / 200 * 1e6
    assert b["cpu_us_per_op"]["server"] == 0.75 / 200 * 1e6                    # all but the load generator
    assert b["repetitions"][0]["cpu_us_per_op"]["postgres"] == 0.25 / 100 * 1e6
    assert q["metrics"] == {MEMORY_CHUNKS: 3.0} and len(q["repetitions"]) == 1
    by_name = {t["name"]: t for t in payload["targets"]}
    assert by_name["(q) memory"] == {"name": "(q) memory", "meaning": by_name["(q) memory"]["meaning"], "key": "q",
                                     "versus": None, "metric": MEMORY_CHUNKS, "bound": 2, "comparison": "<=",
                                     "unit": "chunks", "measured": 3.0, "met": False}
    assert by_name["(b) / (n)"]["measured"] is None and len(payload["targets"]) == len(TARGETS)
    text = report.render([median, memory], [], [], 2, outcomes)
    assert "Targets of issue 17" in text and "NOT MET" in text and "3: 100-300" in text


def test_the_memory_above_idle_is_the_peak_over_the_idle_median_in_chunks():
    memory = memory_above_idle([100 << 20, 101 << 20, 99 << 20], [100 << 20, 102 << 20, 101 << 20], 64 * 1024)
    assert memory["idle_rss_mb"] == 100.0 and memory["peak_above_idle_mb"] == 2.0
    assert memory["peak_above_idle_chunks"] == 32.0


def test_h2load_paces_each_connection_and_starts_a_fresh_log(tmp_path):
    (tmp_path / "h2load-requests.tsv").write_text("old\t200\t1\n")
    argv, log = h2load.command("h2load", h2load.Target("http://127.0.0.1:1/x"), concurrency=16, warmup=0,
                               duration=5, workdir=tmp_path, rps=1.25)
    assert argv[argv.index("--rps") + 1] == "1.250" and not log.exists()
    argv, _ = h2load.command("h2load", h2load.Target("http://127.0.0.1:1/x"), concurrency=16, warmup=0,
                             duration=5, workdir=tmp_path)
    assert "--rps" not in argv
