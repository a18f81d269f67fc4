"""The capacity model: cores and replicas per service, PostgreSQL writes and WAL, storage growth per
year and mail throughput for the national load the seed describes, from the CPU per operation that
`make bench` measured. docs/capacity.md explains the model and where each assumption comes from.

    python scripts/capacity.py [build/bench/last.json] [--rows build/bench/rows.json] [--set NAME=VALUE ...]

A measurement missing from the JSON is a gap, printed as such: its operation then costs what a
stated stand-in measurement costs (login for activation, the list for a metadata read...), or
nothing when there is none. `--set peak_factor=4` changes one assumption (names: Assumptions below)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY = 86_400.0
YEAR_DAYS = 365.0
POSTGRES = "postgresql"
SERVICES = ("gateway", "portal", "identity", "documents", "audit", "notifications", "messaging", "agenda",
            "profile", "exports")


@dataclass(frozen=True)
class Assumptions:
    # ---- the seed (shared/seeds/000_39a66459c35a51e1.txt; DOMAIN.md §8) and issue 17 ----
    activated_users: float = 14e6               # "Comme 14 millions d'utilisateurs, activez Mon espace santé"
    activations_per_month: float = 600e3        # "en moyenne +600k activations par mois"
    patient_uploads_per_year: float = 7e6       # "près 7M de documents déposés par les patients sur les 12 derniers mois"
    patient_read_share: float = 0.9             # "+90% des documents déposés ... activés sont consultés"
    campaign_mails: float = 32e6                # "Volume estimatif: 32 millions de mails"
    campaign_mails_per_day: float = 375e3       # "rythme de croisière à 375.000 envois par jour"
    notices_burst: float = 65e6                 # issue 17: 65 million notices in two months
    notices_burst_days: float = 60.0
    # ---- estimates (not in the seed; docs/capacity.md says why each) ----
    horizon_months: float = 12.0                # size for the users activated a year from now
    daily_active_share: float = 0.03            # activated users who open their space on a given day
    account_reads_per_session: float = 3.0
    lists_per_session: float = 2.0
    history_pages_per_session: float = 0.2
    agenda_views_per_session: float = 0.3
    messages_per_session: float = 0.05          # a message sent and read (bench (r))
    professional_deposits_per_year: float = 120e6
    professional_reads_per_document: float = 1.0
    notices_per_professional_action: float = 1.0    # AJOUT_DOCUMENT, ACCES_DMP_PS: one notice each
    email_share_of_notices: float = 0.8         # notices that go out as an email (the rest: bell, push, letter)
    patient_upload_mb: float = 1.0              # a phone photo stored as JPEG (the bench's (h) file)
    professional_deposit_mb: float = 0.2        # a PDF report
    portal_share: float = 0.5                   # sessions in a browser (the portal) rather than the app
    peak_factor: float = 3.0                    # busiest hour / average hour of the day
    send_hours_per_day: float = 10.0            # campaigns and bulk notices go out in daytime only
    target_cpu: float = 0.6                     # CPU of a pod at peak, of what it may use
    cores_per_pod: float = 1.0                  # one Python process per pod: one GIL, one core
    zone_failover: float = 1.5                  # 3 zones: the 2 left carry the peak
    min_replicas: int = 2                       # availability: a pod can die or be rolled

    @property
    def users(self) -> float:
        return self.activated_users + self.horizon_months * self.activations_per_month

    @property
    def user_growth(self) -> float:
        """Per-user volumes observed at today's 14 M users, applied to the horizon's users."""
        return self.users / self.activated_users


@dataclass(frozen=True)
class Operation:
    """One kind of request of the national load, and the bench measurement that prices it."""
    name: str
    keys: tuple[str, ...]           # bench keys it has had (they were renamed once)
    title: str                      # regex its bench title must match (the key alone is ambiguous)
    proxy: str | None = None        # operation whose cost stands in when this one is not measured
    other: str = "notifications"    # the service the bench's "other services" column stands for here
    audit_records: float = 1.0      # audit records appended per operation
    portal: bool = True             # a page of the portal in a browser session


OPERATIONS = [
    Operation("login", ("a",), r"^login"),
    Operation("activation", (), r"^activation", proxy="login"),
    Operation("account read", ("b",), r"accounts/me", audit_records=0.0),
    Operation("list documents", ("g",), r"/documents via the gateway"),
    Operation("document metadata read", ("o",), r"metadata", proxy="list documents"),
    Operation("document download", ("q",), r"download", proxy="patient upload", portal=False),
    Operation("patient upload", ("h",), r"upload"),
    Operation("professional deposit", (), r"deposit", proxy="patient upload", portal=False),
    Operation("history page", ("t",), r"histor", proxy="list documents", audit_records=0.0),
    Operation("agenda", ("s", "o"), r"agenda", other="agenda", audit_records=0.0),
    Operation("message", ("r", "n"), r"messag", audit_records=2.0),
    Operation("email", ("e", "f"), r"email", audit_records=0.0, portal=False),
]
BY_NAME = {op.name: op for op in OPERATIONS}

# Bench process groups are charged to the service of that name, "other services" to the one the
# operation names, and these to theirs; any other group is not the platform (the load generator,
# the bare baselines, the bench's own process with moto's S3 and the SMTP sink, the "server" total).
CPU_US_KEYS = ("cpu_us_per_op", "us_per_op", "cpu_us")     # a result's own µs per operation per process
GROUP_SERVICE = {"postgres": POSTGRES, "notifications worker": "notifications"}

# What one operation leaves in PostgreSQL: the scripts/capacity_rows.py run docs/capacity.md gives
# (committed beside it), or --rows; these estimates only when neither is there. Bytes include
# indexes and TOAST.
ROWS_FILE = ROOT / "docs/capacity-rows.json"
ESTIMATED_ROWS: dict = {
    "source": "estimates (no scripts/capacity_rows.py run found)",
    "bytes_per_object": {"documents": 1500.0, "audit": 1200.0, "notifications": 800.0, "campaign delivery": 300.0},
    "wal_bytes": {},                # per operation name
    "row_writes": {},               # per operation name: {database: rows written}
    "email": None,                  # the campaign's mails/s and worker µs per mail
}
# Row writes per operation where the rows run measured none: estimates by analogy with those it measured.
ESTIMATED_WRITES: dict[str, dict[str, float]] = {
    "login": {"identity": 4, "audit": 3, "notifications": 3},
    "activation": {"identity": 6, "audit": 3, "notifications": 3},
    "account read": {},
    "list documents": {"documents": 1, "audit": 3},
    "document metadata read": {"documents": 1, "audit": 3, "notifications": 2},
    "document download": {"documents": 1, "audit": 3},
    "patient upload": {"documents": 3, "audit": 3, "notifications": 2},
    "professional deposit": {"documents": 3, "audit": 3, "notifications": 3},
    "history page": {"audit": 0},
    "agenda": {},
    "message": {"messaging": 4, "audit": 6, "notifications": 3},
    "email": {"notifications": 2},
}
WAL_PER_ROW_WRITE = 600.0           # bytes, where no WAL was measured: heap + index entries + commit


@dataclass
class Price:
    """What one operation costs, from its measurement or its stand-in."""
    source: str                                 # "(g)", "(g) for a missing (o)", "gap"
    us: dict[str, float] = field(default_factory=dict)     # µs of CPU per operation, per service
    rate: float = math.nan                      # its bench rate (ops/s), for the mail workers


@dataclass
class Report:
    daily: dict[str, float]                     # operations per day
    peak: dict[str, float]                      # operations per second at the peak
    prices: dict[str, Price]
    gaps: list[str]
    cores: dict[str, float]                     # CPU cores busy at the peak, per service and PostgreSQL
    sizing: dict[str, dict[str, float]]         # per service: pods at peak, min and max replicas, request
    writes: dict[str, float]                    # rows written per second at the peak, per database
    wal_per_day: float
    growth: dict[str, float]                    # bytes per year
    mail: dict[str, float]
    bench_results: list[dict] = field(default_factory=list)


# ---- reading the bench ----

def find(results: list[dict], op: Operation) -> dict | None:
    """The result measuring `op`: one of its keys, with a title that says it is that operation."""
    for key in op.keys:
        for result in results:
            if result.get("key") == key and re.search(op.title, result.get("title", ""), re.IGNORECASE):
                rate = (result.get("summary") or {}).get("rate")
                if rate and (result.get("cpu_cores") or any(result.get(k) for k in CPU_US_KEYS)):
                    return result
    return None


def us_per_op(result: dict, op: Operation) -> dict[str, float]:
    """µs of CPU per operation per service: a result's own per-process figures when it has them,
    else cpu_cores[group] / rate; "other services" is charged to the service `op` names."""
    given = next((result[k] for k in CPU_US_KEYS if isinstance(result.get(k), dict)), None)
    if given:
        per_group = {group: float(us) for group, us in given.items() if us is not None}
    else:
        rate = result["summary"]["rate"]
        per_group = {group: cores / rate * 1e6 for group, cores in (result.get("cpu_cores") or {}).items()
                     if cores is not None}
    out: dict[str, float] = {}
    for group, us in per_group.items():
        service = op.other if group == "other services" else GROUP_SERVICE.get(group, group)
        if service in SERVICES or service == POSTGRES:      # not the generator, a baseline or a total
            out[service] = out.get(service, 0.0) + us
    return out


def _missing(op: Operation) -> str:
    return "/".join(f"({k})" for k in op.keys) + " not in the bench JSON" if op.keys else "the bench has no measurement of it"


def prices(bench: dict) -> tuple[dict[str, Price], list[str]]:
    results = bench.get("results") or []
    found = {op.name: find(results, op) for op in OPERATIONS}
    out, gaps = {}, []
    for op in OPERATIONS:
        result = found[op.name]
        if result is not None:
            out[op.name] = Price(f"({result['key']})", us_per_op(result, op), result["summary"]["rate"])
            continue
        stand_in = found.get(op.proxy) if op.proxy else None
        wanted = "/".join(f"({k})" for k in op.keys) or "no bench measurement"
        if stand_in is not None:
            out[op.name] = Price(f"({stand_in['key']}) for {wanted}", us_per_op(stand_in, BY_NAME[op.proxy]))
            gaps.append(f"{op.name}: {_missing(op)}; priced as {op.proxy} ({stand_in['key']})")
        else:
            out[op.name] = Price("gap")
            gaps.append(f"{op.name}: {_missing(op)} and no stand-in: counted as no CPU")
    return out, gaps


# ---- the load ----

def daily_volumes(a: Assumptions) -> dict[str, float]:
    """Operations per day at the horizon (the year-end number of activated users)."""
    sessions = a.users * a.daily_active_share
    patient_uploads = a.patient_uploads_per_year * a.user_growth / YEAR_DAYS
    deposits = a.professional_deposits_per_year / YEAR_DAYS
    # every deposited document read by its patient (the seed's 90 %, applied to all: an upper bound)
    # and by professionals; a read is the metadata then the file
    reads = (patient_uploads + deposits) * (a.patient_read_share + a.professional_reads_per_document)
    messages = sessions * a.messages_per_session
    activations = a.activations_per_month * 12 / YEAR_DAYS
    notices = (deposits + (patient_uploads + deposits) * a.professional_reads_per_document) \
        * a.notices_per_professional_action + messages
    return {
        "login": sessions, "activation": activations,
        "account read": sessions * a.account_reads_per_session,
        "list documents": sessions * a.lists_per_session,
        "document metadata read": reads, "document download": reads,
        "patient upload": patient_uploads, "professional deposit": deposits,
        "history page": sessions * a.history_pages_per_session,
        "agenda": sessions * a.agenda_views_per_session,
        "message": messages,
        # every login and activation mails a one-time code; notices by email
        "email": sessions + activations + notices * a.email_share_of_notices,
        "notices": notices,
    }


def peak_rates(a: Assumptions, daily: dict[str, float]) -> dict[str, float]:
    """Operations per second in the busiest hour; campaigns and the notices' burst are paced over
    the sending hours, on top of the day's own mail."""
    peak = {name: n / DAY * a.peak_factor for name, n in daily.items() if name != "notices"}
    send_seconds = a.send_hours_per_day * 3600
    burst_per_day = a.notices_burst / a.notices_burst_days
    peak["email"] += (a.campaign_mails_per_day + burst_per_day * a.email_share_of_notices) / send_seconds
    peak["notices"] = daily["notices"] / DAY * a.peak_factor + burst_per_day / send_seconds
    return peak


# ---- the model ----

def replicas(cores: float, a: Assumptions) -> dict[str, float]:
    """The CPU request of a pod: one whole core (`cores_per_pod`, one process) when the service
    needs more than `min_replicas` of them at `target_cpu`, else its share of the peak (a limit of
    one core lets it burst). Pods at the peak at `target_cpu` of the request; minReplicas for the
    average hour (at least `min_replicas`); maxReplicas for the peak with a zone lost, and at least
    twice minReplicas (one doubling for load the model does not know)."""
    whole = a.target_cpu * a.cores_per_pod              # what a pod of one whole core gives at the target
    if cores > a.min_replicas * whole:
        request = a.cores_per_pod
    else:                                               # in 50 m steps, 100 m at least
        request = min(a.cores_per_pod, max(0.1, _up(cores / (a.min_replicas * a.target_cpu) * 20) / 20))
    pods = max(a.min_replicas, _up(cores / (a.target_cpu * request)))
    low = max(a.min_replicas, _up(cores / a.peak_factor / (a.target_cpu * request)))
    high = max(2 * low, _up(pods * a.zone_failover))
    return {"cores": cores, "request": request, "pods": pods, "min": low, "max": high}


def _up(x: float) -> int:
    """Rounded up, without 2.0000000001 becoming 3."""
    return math.ceil(x - 1e-9)


def model(bench: dict, a: Assumptions, rows: dict | None = None) -> Report:
    rows = rows or ESTIMATED_ROWS
    priced, gaps = prices(bench)
    if priced["email"].source == "gap" and rows.get("email"):
        # no (e) in this bench run: the campaign of the rows measurement stands in
        measured = rows["email"]
        priced["email"] = Price("capacity_rows campaign", {"notifications": measured["worker_us_per_mail"]},
                                measured["mails_per_second"])
        gaps[:] = [g for g in gaps if not g.startswith("email:")]
        gaps.append("email: (e)/(f) not in the bench JSON; priced by the campaign of the rows measurement")
    daily = daily_volumes(a)
    peak = peak_rates(a, daily)

    cores: dict[str, float] = {s: 0.0 for s in (*SERVICES, POSTGRES)}
    for name, price in priced.items():
        for service, us in price.us.items():
            cores[service] = cores.get(service, 0.0) + peak[name] * us / 1e6
    # the portal renders a page for each browser request the gateway serves; not measured: its
    # gateway's cost stands in (docs/capacity.md)
    cores["portal"] += sum(peak[op.name] * priced[op.name].us.get("gateway", 0.0) / 1e6 * a.portal_share
                           for op in OPERATIONS if op.portal)
    gaps.append("portal: not measured by the bench; a page costs what the gateway's part of its request costs")
    sizing = {s: replicas(cores[s], a) for s in SERVICES}

    writes: dict[str, float] = {}
    wal_per_day = 0.0
    for name in priced:
        per_db = rows.get("row_writes", {}).get(name) or ESTIMATED_WRITES.get(name, {})
        for database, n in per_db.items():
            writes[database] = writes.get(database, 0.0) + peak[name] * n
        wal = rows.get("wal_bytes", {}).get(name)
        wal_per_day += daily[name] * (wal if wal is not None else WAL_PER_ROW_WRITE * sum(per_db.values()))

    per_object = rows["bytes_per_object"]
    audit_per_day = sum(daily[op.name] * op.audit_records for op in OPERATIONS)
    deposits_per_year = (daily["patient upload"] + daily["professional deposit"]) * YEAR_DAYS
    growth = {
        "documents metadata": deposits_per_year * per_object["documents"],
        "audit records": audit_per_day * YEAR_DAYS * per_object["audit"],
        "notifications": (daily["notices"] * YEAR_DAYS + a.notices_burst) * per_object["notifications"]
        + a.campaign_mails * per_object["campaign delivery"],
        "S3 objects": (daily["patient upload"] * a.patient_upload_mb + daily["professional deposit"]
                       * a.professional_deposit_mb) * YEAR_DAYS * 1e6,
        "WAL (archived, before compression)": wal_per_day * YEAR_DAYS,
    }

    per_worker = priced["email"].rate
    mail = {"campaign per second": a.campaign_mails_per_day / (a.send_hours_per_day * 3600),
            "peak per second": peak["email"], "one worker per second": per_worker,
            "workers at peak": math.ceil(peak["email"] / (per_worker * a.target_cpu)) if per_worker > 0 else math.nan,
            "campaign days": a.campaign_mails / a.campaign_mails_per_day}
    return Report(daily, peak, priced, gaps, cores, sizing, writes, wal_per_day, growth, mail,
                  bench.get("results") or [])


# ---- printing ----

def _size(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} B"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return ["  " + line(headers), "  " + "  ".join("-" * w for w in widths), *("  " + line(r) for r in rows)]


def render(report: Report, a: Assumptions, source: str, rows_source: str) -> str:
    out = [f"Capacity model (docs/capacity.md) from {source}", "",
           f"Load: {a.users / 1e6:,.1f} M activated users in {a.horizon_months:g} months "
           f"({a.activated_users / 1e6:g} M + {a.activations_per_month / 1e3:g} k a month), "
           f"{a.daily_active_share:.0%} active a day, peak hour {a.peak_factor:g}x the average; "
           f"pods of {a.cores_per_pod:g} core at {a.target_cpu:.0%} CPU, at least {a.min_replicas}, "
           f"x{a.zone_failover:g} for a lost zone", "", "Operations"]
    out += _table(["operation", "per day", "peak /s", "priced by", "µs CPU/op (platform)"],
                  [[name, f"{report.daily[name]:,.0f}", f"{report.peak[name]:,.1f}", report.prices[name].source,
                    f"{sum(us for s, us in report.prices[name].us.items() if s != POSTGRES):,.0f}"]
                   for name in report.prices])
    out += ["", "Services at the peak"]
    out += _table(["service", "cores busy", "cpu request", "pods at peak", "minReplicas", "maxReplicas"],
                  [[s, f"{z['cores']:,.2f}", f"{z['request'] * 1000:,.0f}m", str(z["pods"]), str(z["min"]),
                    str(z["max"])] for s, z in report.sizing.items()])
    out += [f"  PostgreSQL: {report.cores[POSTGRES]:,.2f} cores busy at the peak (all databases)", "",
            f"PostgreSQL writes at the peak (rows/s; {rows_source})"]
    out += _table(["database", "rows/s"], [[db, f"{n:,.0f}"] for db, n in sorted(report.writes.items())])
    out += [f"  WAL: {_size(report.wal_per_day)} a day; {_size(report.wal_per_day / DAY * a.peak_factor)}/s "
            f"in the peak hour", "",
            "Storage growth per year"]
    out += _table(["what", "per year"], [[k, _size(v)] for k, v in report.growth.items()])
    m = report.mail
    out += ["", "Mail",
            f"  campaign: {a.campaign_mails / 1e6:g} M at {a.campaign_mails_per_day:,.0f}/day = "
            f"{m['campaign per second']:,.1f}/s over {a.send_hours_per_day:g} h, {m['campaign days']:,.0f} sending days",
            f"  all mail at the peak (codes, notices, campaign, the notices' burst): {m['peak per second']:,.1f}/s",
            f"  one email worker (a thread of notifications): {m['one worker per second']:,.0f} mails/s measured "
            f"(wall clock, SMTP round trips included) -> {m['workers at peak']} worker(s) at the peak at "
            f"{a.target_cpu:.0%}; their CPU is in notifications' cores above"
            if not math.isnan(m["one worker per second"])
            else "  one email worker: not measured (bench (e) missing)"]
    memory = memory_figures(report.bench_results)
    if memory:
        out += ["", "Memory the bench measured (for the chart's memory requests and limits)"]
        out += [f"  ({key}) {name}: {value}" for key, name, value in memory]
    chart = chart_settings()
    if chart:
        out += ["", "The chart's defaults (helm/mes/values.yaml) beside the model"]
        out += _table(["service", "cpu request", "model", "min", "model", "max", "model", "target %", "model"],
                      [[s, str(c["request"]), f"{report.sizing[s]['request'] * 1000:,.0f}m", str(c["min"]),
                        str(report.sizing[s]["min"]), str(c["max"]), str(report.sizing[s]["max"]), str(c["target"]),
                        f"{a.target_cpu * 100:.0f}"] for s, c in chart.items() if s in report.sizing])
    if report.gaps:
        out += ["", "Gaps (what the bench JSON does not measure)"] + [f"  - {g}" for g in report.gaps]
    return "\n".join(out) + "\n"


def memory_figures(results: list[dict]) -> list[tuple[str, str, str]]:
    """(key, name, value) of every memory figure a result carries, at its top level or in its
    `metrics` (e.g. (q)'s peak resident memory of documents), in the unit its name gives."""
    out = []
    for result in results:
        fields = {**result, **(result.get("metrics") or {})}
        for name, value in fields.items():
            if re.search(r"memory|rss", name, re.IGNORECASE) and isinstance(value, (int, float)):
                shown = f"{value:,.1f}" if re.search(r"_(mb|mib|kb|chunks)$", name) else _size(value)
                out.append((result.get("key", "?"), name, shown))
    return out


def chart_settings(values: Path = ROOT / "helm/mes/values.yaml") -> dict[str, dict]:
    """Each service's CPU request and HPA settings as the chart ships them (defaults under the
    service's own entry); empty without the chart or PyYAML."""
    try:
        import yaml
        data = yaml.safe_load(values.read_text())
    except (ImportError, OSError):
        return {}
    defaults = data.get("defaults", {})
    out = {}
    for name, entry in (data.get("services") or {}).items():
        entry = entry or {}
        resources = {**defaults.get("resources", {}).get("requests", {}),
                     **(entry.get("resources") or {}).get("requests", {})}
        hpa = {**defaults.get("autoscaling", {}), **(entry.get("autoscaling") or {})}
        out[name] = {"request": resources.get("cpu"), "min": hpa.get("minReplicas"), "max": hpa.get("maxReplicas"),
                     "target": hpa.get("targetCPUUtilizationPercentage")}
    return out


def parse_sets(pairs: list[str], base: Assumptions) -> Assumptions:
    names = {f.name: f.type for f in dataclasses.fields(Assumptions)}
    changes = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in names:
            raise SystemExit(f"unknown assumption {name!r}; known: {', '.join(names)}")
        changes[name] = int(value) if names[name] in (int, "int") else float(value)
    return dataclasses.replace(base, **changes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python scripts/capacity.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bench", nargs="?", type=Path, default=ROOT / "build/bench/last.json")
    parser.add_argument("--rows", type=Path, help="a scripts/capacity_rows.py result (default: docs/capacity-rows.json)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="change one assumption")
    args = parser.parse_args(argv)
    if not args.bench.exists():
        raise SystemExit(f"{args.bench} does not exist: run `make bench` first (or name a bench JSON)")
    assumptions = parse_sets(args.set, Assumptions())
    rows = read_rows(args.rows or ROWS_FILE)
    report = model(json.loads(args.bench.read_text()), assumptions, rows)
    sys.stdout.write(render(report, assumptions, str(args.bench), rows["source"]))


def read_rows(path: Path) -> dict:
    """A scripts/capacity_rows.py result in the model's shape; the estimates when there is none."""
    if not path.exists():
        return ESTIMATED_ROWS
    measured = json.loads(path.read_text())
    try:
        shown = path.relative_to(ROOT)
    except ValueError:
        shown = path
    return {"source": f"{shown}, measured {measured.get('measured', '')}", **rows_from_measurement(measured)}


def rows_from_measurement(measured: dict) -> dict:
    """ESTIMATED_ROWS's shape from a scripts/capacity_rows.py JSON."""
    phases = measured.get("phases", {})
    def database(name: str) -> str:          # the campaign's own notifications database is notifications'
        return "notifications" if name.startswith("notifications") else name

    writes: dict[str, dict[str, float]] = {}
    for name, p in phases.items():
        for db, n in (p.get("row_writes") or {}).items() if p.get("operations") else ():
            per_db = writes.setdefault(name, {})
            per_db[database(db)] = per_db.get(database(db), 0.0) + n / p["operations"]
    return {"bytes_per_object": {**ESTIMATED_ROWS["bytes_per_object"],
                                 **{k: v["bytes_per_object"] for k, v in measured["objects"].items()
                                    if v.get("bytes_per_object")}},
            "wal_bytes": {name: p["wal_bytes"] / p["operations"] for name, p in phases.items() if p.get("operations")},
            "row_writes": writes,
            "email": {k: phases["email"][k] for k in ("mails_per_second", "worker_us_per_mail")}
            if "mails_per_second" in phases.get("email", {}) else None}


if __name__ == "__main__":
    main()
