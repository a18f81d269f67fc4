"""The printed report, and the same numbers as JSON for later comparisons."""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from bench.plan import RATIOS, Result
from bench.targets import RATE, Outcome

CPU_COLUMNS = ["gateway", "identity", "documents", "audit", "messaging", "other services", "postgres", "bench+smtp+s3",
               "load generator", "reference server", "bare http", "bare grpc", "notifications worker"]
GENERATOR = "load generator"


OTHER_LOAD_WARNING = 0.2        # cores used outside the bench's processes before the report says so


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.2f}"


def _num(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """Columns sized to fit; the first `left` columns aligned left, the others right."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(headers), "  ".join("-" * w for w in widths), *map(line, rows)]


def _spread(result: Result) -> str:
    """The repetitions' throughputs, lowest to highest, when there were several."""
    if len(result.repetitions) < 2:
        return "1"
    rates = sorted(r.summary.rate for r in result.repetitions)
    return f"{len(rates)}: {_num(rates[0], 0)}-{_num(rates[-1], 0)}"


def figures(results: list[Result]) -> dict[str, dict[str, float]]:
    """What the targets are evaluated on: each measurement's throughput and other figures."""
    return {r.key: {RATE: r.summary.rate, **r.metrics} for r in results}


def cpu_us_per_op(result: Result) -> dict[str, float] | None:
    """CPU µs per successful operation, per process group, and "server": all but the generator."""
    if result.usage is None or not result.summary.rate or math.isnan(result.summary.rate):
        return None
    rate = result.summary.rate
    per_group = {name: cores / rate * 1e6 for name, cores in result.usage.cores.items()}
    return {**per_group, "server": result.server_cores() / rate * 1e6}


def _target_rows(outcomes: list[Outcome]) -> list[list[str]]:
    rows = []
    for outcome in outcomes:
        target = outcome.target
        digits = 1 if target.unit else 2          # ratios to the hundredth; ms and chunks to the tenth
        measured = "not measured" if outcome.measured is None else \
            f"{outcome.measured:,.{digits}f}{' ' + target.unit if target.unit else ''}"
        met = "-" if outcome.met is None else ("met" if outcome.met else "NOT MET")
        rows.append([target.name, target.meaning, measured, target.describe(), met])
    return rows


def render(results: list[Result], machine: list[tuple[str, str]], configuration: list[tuple[str, str]],
           cores: int, outcomes: list[Outcome] | None = None) -> str:
    out = ["", "== MES bench ==", "", "Machine"]
    out += [f"  {name:<14} {value}" for name, value in machine]
    out += ["", "Configuration"]
    out += [f"  {name:<14} {value}" for name, value in configuration]

    out += ["", "Results (closed loop; ops/s = successes that ended in the measured window / its length; "
                "the median of the runs, whose lowest-highest ops/s are under runs)"]
    rows = [[f"({r.key}) {r.title}", r.generator, str(r.concurrency), f"{_num(r.summary.rate)} {r.unit}/s",
             _spread(r), _ms(r.summary.p50), _ms(r.summary.p99), _ms(r.summary.max), str(r.summary.count),
             str(sum(run.summary.errors for run in r.repetitions) if r.repetitions else r.summary.errors)]
            for r in results]
    out += ["  " + line for line in table(["measurement", "generator", "conc", "throughput", "runs", "p50 ms",
                                            "p99 ms", "max ms", "ok", "errors"], rows, left=2)]

    by_key = {r.key: r for r in results}
    ratio_rows = []
    for top, bottom, meaning in RATIOS:
        if top in by_key and bottom in by_key and by_key[bottom].summary.rate > 0:
            ratio = by_key[top].summary.rate / by_key[bottom].summary.rate
            ratio_rows.append([f"({top}) / ({bottom})", f"{ratio:.3f}", f"{ratio * 100:.1f} %", meaning])
    if ratio_rows:
        out += ["", "Ratios of throughput"]
        out += ["  " + line for line in table(["ratio", "x", "%", "meaning"], ratio_rows, left=1)]

    measured = [r for r in results if r.usage is not None]
    if measured:
        columns = [c for c in CPU_COLUMNS if any(c in r.usage.cores for r in measured)]
        rows = []
        for r in measured:
            rate = r.summary.rate
            generator = r.usage.cores.get(GENERATOR, 0.0)
            outside = max(0.0, r.usage.machine_cores - r.usage.total())
            rows.append([f"({r.key})", *[_num(r.usage.cores.get(c, math.nan), 2) for c in columns],
                         _num(outside, 2), _num(r.usage.machine_cores, 2), _num(r.usage.steal_cores, 2),
                         _num(r.server_cores() / rate * 1e6, 0) if rate else "-",
                         _num(generator / rate * 1e6, 0) if rate else "-",
                         f"{generator / cores * 100:.0f} %"])
        out += ["", f"CPU in the measured window, in cores busy ({cores} = the whole machine)"]
        out += ["  " + line for line in table(
            ["", *columns, "not ours", "machine", "steal", "server µs/op", "generator µs/op", "generator share"], rows)]
        out += ["  server µs/op: CPU of the platform's processes (not the generator) per successful operation;",
                "  generator share: the load generator's part of the machine, taken from the servers;",
                "  not ours: busy CPU of every other process on the machine (should be ~0);",
                "  steal: time the hypervisor ran something else on our cores (should be ~0)."]
        busy = [r.key for r in measured if r.usage.machine_cores - r.usage.total() > OTHER_LOAD_WARNING
                or r.usage.steal_cores > OTHER_LOAD_WARNING]
        if busy:
            out += ["", f"  WARNING: other processes or the hypervisor took more than {OTHER_LOAD_WARNING} core "
                        "during " + ", ".join(f"({k})" for k in busy)
                        + ": those numbers are low and noisy. Run again on an idle machine."]

    notes = [(r.key, n) for r in results for n in r.notes]
    if notes:
        out += ["", "Notes"]
        out += [f"  ({key}) {note}" for key, note in notes]

    if outcomes:
        out += ["", "Targets of issue 17 (ratios of the median runs' throughput, in this run)"]
        out += ["  " + line for line in table(["target", "what", "measured", "target", "met?"], _target_rows(outcomes),
                                              left=2)]
    return "\n".join(out) + "\n"


def _run_json(result: Result) -> dict:
    return {"summary": {**asdict(result.summary), "rate": result.summary.rate},
            "cpu_cores": result.usage.cores if result.usage else None,
            "machine_cores": result.usage.machine_cores if result.usage else None,
            "cpu_us_per_op": cpu_us_per_op(result)}


def payload(results: list[Result], machine, configuration, outcomes: list[Outcome] | None = None) -> dict:
    """The JSON of a run: each result is its median run, with every repetition under "repetitions"."""
    return _finite({"machine": dict(machine), "configuration": dict(configuration), "results": [
        {"key": r.key, "title": r.title, "generator": r.generator, "concurrency": r.concurrency, "unit": r.unit,
         "notes": r.notes, "metrics": r.metrics, **_run_json(r),
         "repetitions": [_run_json(run) for run in r.repetitions or [r]]} for r in results],
        "targets": [o.as_json() for o in outcomes or []]})


def write_json(path: Path, results: list[Result], machine, configuration, outcomes: list[Outcome] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload(results, machine, configuration, outcomes), indent=2, default=str) + "\n")


def _finite(value):
    """NaN (no data) as null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
