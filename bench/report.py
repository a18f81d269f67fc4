"""The printed report, and the same numbers as JSON for later comparisons."""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from bench.plan import RATIOS, Result

CPU_COLUMNS = ["gateway", "identity", "documents", "audit", "messaging", "other services", "postgres", "bench+smtp+s3",
               "load generator", "reference server", "notifications worker"]


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


def render(results: list[Result], machine: list[tuple[str, str]], configuration: list[tuple[str, str]],
           cores: int) -> str:
    out = ["", "== MES bench ==", "", "Machine"]
    out += [f"  {name:<14} {value}" for name, value in machine]
    out += ["", "Configuration"]
    out += [f"  {name:<14} {value}" for name, value in configuration]

    out += ["", "Results (closed loop; ops/s = successes that ended in the measured window / its length)"]
    rows = [[f"({r.key}) {r.title}", r.generator, str(r.concurrency), f"{_num(r.summary.rate)} {r.unit}/s",
             _ms(r.summary.p50), _ms(r.summary.p99), _ms(r.summary.max), str(r.summary.count),
             str(r.summary.errors)] for r in results]
    out += ["  " + line for line in table(["measurement", "generator", "conc", "throughput", "p50 ms",
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
            generator = r.usage.cores.get("load generator", 0.0)
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
    return "\n".join(out) + "\n"


def write_json(path: Path, results: list[Result], machine, configuration) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": dict(machine), "configuration": dict(configuration), "results": [
        {**{k: v for k, v in asdict(r).items() if k not in ("summary", "usage")},
         "summary": {**asdict(r.summary), "rate": r.summary.rate},
         "cpu_cores": r.usage.cores if r.usage else None,
         "machine_cores": r.usage.machine_cores if r.usage else None} for r in results]}
    path.write_text(json.dumps(_finite(payload), indent=2, default=str) + "\n")


def _finite(value):
    """NaN (no data) as null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
