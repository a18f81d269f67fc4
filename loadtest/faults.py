"""`python -m loadtest.faults` (`make faults`): the load kit against a platform of its own while each
process in turn is killed (SIGKILL) and started again, and PostgreSQL is stopped and started once;
then the reconciliation of the client's journal with what the platform holds (loadtest/reconcile.py)
and its table. Exit 0 when the reconciliation holds, 1 when it does not (each finding on stderr).

Each fault is a window of the run: from the kill to the next fault's kill. Within it, the outage runs
from the kill until the process serves again. Every wait is on what can be seen: the load has
started once each patient has been answered and an upload and an answer have succeeded; an outage
has been seen once the journal holds failed answers from it (or OUTAGE_SEEN_SECONDS have passed,
for a process the load rarely reaches); it has ended once the platform serves again and the
journal holds successes after the restart."""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx

from devtools.eventually import eventually
from devtools.services import ROOT
from loadtest.journal import Journal, answer_fields, read
from meskit.auth import PROFESSIONAL, Caller, TokenSigner

POSTGRES = "postgres"
FAULTS = ("gateway", "identity", "documents", "audit", "notifications", "messaging", "agenda", POSTGRES)
OUTAGE_ANSWERS_PER_USER = 2   # failed answers (per patient of the run) that show the client met the outage
OUTAGE_SEEN_SECONDS = 20.0    # ... or this long, for a process few of the kit's routes reach
RECOVERED_ANSWERS = 5         # successes after the restart that show the load flows again
SPAWN_RATE = 2                # patients started a second, as the full profile: their logins' hashes do not pile up
WRITES = ("document_upload", "message_send")   # succeeded once before the first fault
# The kit's logins come from one address. A mail whose sender lost the database before marking it
# sent is taken again once its lease runs out (notifications' queue.py): 15 s instead of 60.
PLATFORM_ENV = {"gateway": {"RATE_LIMIT_PUBLIC_PER_MINUTE": "0"},
                "notifications": {"DEFAULT_QUIET_HOURS": "off", "RETRY_BASE_SECONDS": "1",
                                  "DELIVERY_LEASE_SECONDS": "15"}}


@dataclass
class Window:
    fault: str
    killed: str                 # RFC 3339, as the journal's ts
    restarted: str = ""         # the process serves again
    recovered: str = ""         # the journal shows successes again
    outage_answers: int = 0     # answers the journal holds from the outage


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def window_of(ts: str, windows: list[Window]) -> str:
    """The fault whose window holds `ts` ("before" the first kill)."""
    found = "before"
    for window in windows:
        if ts >= window.killed:
            found = window.fault
    return found


def in_outage(entry: dict, windows: list[Window]) -> Window | None:
    """The outage the operation overlapped (it was sent before its answer's ts)."""
    answered = entry["ts"]
    sent = datetime.fromisoformat(answered).timestamp() - entry.get("ms", 0) / 1000
    for window in windows:
        began = datetime.fromisoformat(window.killed).timestamp()
        ended = datetime.fromisoformat(window.restarted).timestamp() if window.restarted else float("inf")
        if sent <= ended and datetime.fromisoformat(answered).timestamp() >= began:
            return window
    return None


class Load:
    """`python -m loadtest` as a subprocess, until stopped (SIGTERM: locust stops its users and reports)."""

    def __init__(self, platform, work_dir: Path, users: int):
        work_dir = work_dir.resolve()
        work_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir, self.users = work_dir, users
        self.journal = work_dir / "journal.jsonl"
        no_limits = work_dir / "no-thresholds.json"
        no_limits.write_text("{}")       # errors are expected during outages: the reconciliation judges
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "."))}
        self._out = open(work_dir / "loadtest.out", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "loadtest", "--local", str(platform.var_dir), "--profile", "full",
             "--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--duration", "60m",
             "--thresholds", str(no_limits), "--work-dir", str(work_dir)],
            cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def lines(self) -> list[dict]:
        return read(str(self.journal)) if self.journal.exists() else []

    def wait_started(self, timeout: float = 300.0) -> None:
        def every_patient_answered() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"the load kit exited: {self.output()}")
            return len({e["user"] for e in self.lines() if e["outcome"] == "ok"}) >= self.users
        eventually(every_patient_answered, timeout, 0.2, "every patient answered")
        self.wait_for(WRITES, now(), timeout)

    def wait_for(self, ops: tuple[str, ...], since: str, timeout: float = 180.0) -> None:
        """Until each of `ops` has succeeded once since `since`."""
        def each_succeeded() -> bool:
            return set(ops) <= {e["op"] for e in self.lines() if e["ts"] >= since and e["outcome"] == "ok"}
        eventually(each_succeeded, timeout, 0.2, f"{', '.join(ops)} succeeding")

    def since(self, ts: str, outcome: str | None = None) -> int:
        return sum(1 for e in self.lines() if e["ts"] >= ts and (outcome is None or e["outcome"] == outcome))

    def stop(self, timeout: float = 60.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self._out.close()

    def output(self) -> str:
        return (self.work_dir / "loadtest.out").read_text(errors="replace")[-3000:]


class GpWriter(threading.Thread):
    """The run's GP writes to her patients in turn, one message every `interval` seconds, through the
    gateway (journaled as `gp_message`): each one told sent must be in the conversation and the
    patient's bell."""

    def __init__(self, platform, load: Load, interval: float = 1.0):
        super().__init__(name="gp-writer", daemon=True)
        from loadtest.people import load as load_patients
        gp = json.loads((load.work_dir / "gp.json").read_text())
        self.patients = load_patients(load.work_dir / "users.json")
        self.gp_login = gp["login_id"]
        self.signer = TokenSigner(platform.key_file.read_bytes(), issuer="mes-identity", audience="mes-api",
                                  ttl_seconds=3600)
        self.caller = Caller(PROFESSIONAL, gp["professional_id"], profession_code="10", rpps=gp["rpps"])
        self.url, self.journal, self.interval = platform.gateway_url, Journal(str(load.journal)), interval
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30,
                          headers={"Authorization": f"Bearer {self.signer.sign(self.caller)[0]}"}) as http:
            for patient in itertools.cycle(self.patients):
                if self.stopping.wait(self.interval):
                    return
                self.write(http, patient)

    def write(self, http: httpx.Client, patient) -> None:
        client_message_id = str(uuid.uuid4())
        ids = {"patient_id": patient.account_id, "conversation_id": patient.conversation_id,
               "client_message_id": client_message_id}
        began = time.perf_counter()
        answer, error = None, ""
        try:
            answer = http.post(f"/v1/patients/{patient.account_id}/conversations/{patient.conversation_id}/messages",
                               json={"body": f"Vos résultats sont arrivés. [{client_message_id}]",
                                     "clientMessageId": client_message_id})
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        entry = answer_fields(self.gp_login, "gp_message", ids, (time.perf_counter() - began) * 1000, answer)
        if answer is not None and answer.status_code == 200:
            ids["message_id"] = answer.json()["messageId"]
            self.journal.write(**entry, outcome="ok")
        else:
            outcome = "throttled" if entry["status"] == 429 else "failed"
            self.journal.write(**entry, outcome=outcome, error=error or str(entry["status"]))

    def stop(self) -> None:
        self.stopping.set()
        self.join(60)


def inflict(platform, load: Load, fault: str) -> Window:
    """One fault: the kill (or PostgreSQL's stop), the outage until the client met it, the restart,
    and the load flowing again."""
    window = Window(fault, now())
    if fault == POSTGRES:
        platform.stop_postgres()
    else:
        process = platform.processes[fault]
        process.kill()
        process.wait()
    try:
        eventually(lambda: load.since(window.killed, "failed") >= OUTAGE_ANSWERS_PER_USER * load.users,
                   OUTAGE_SEEN_SECONDS, 0.2)
    except AssertionError:
        pass                # a process the load rarely reaches: its outage is what it was
    if fault == POSTGRES:
        platform.start_postgres()
        platform.wait_until_serving(60)
    else:
        platform.start_process(fault, timeout=60)
    window.restarted = now()
    window.outage_answers = sum(1 for e in load.lines() if window.killed <= e["ts"] <= window.restarted)
    eventually(lambda: load.since(window.restarted, "ok") >= RECOVERED_ANSWERS, 120, 0.2,
               f"the load succeeding again after {fault}")
    window.recovered = now()
    print(f"faults: {fault}: killed {window.killed}, serving again {window.restarted}, "
          f"{window.outage_answers} answers during the outage", flush=True)
    return window


def run(platform, work_dir: Path, users: int, faults: tuple[str, ...]) -> list[Window]:
    """The load against `platform` with each fault in turn; the windows, also in work_dir/windows.json."""
    load = Load(platform, work_dir, users)
    windows: list[Window] = []
    writer = None
    try:
        load.wait_started()
        writer = GpWriter(platform, load)
        writer.start()
        for fault in faults:
            windows.append(inflict(platform, load, fault))
    finally:
        if writer is not None:
            writer.stop()
        code = load.stop()
        (work_dir / "windows.json").write_text(json.dumps([asdict(w) for w in windows], indent=1))
    if code not in (0, 1) or not load.journal.exists():
        raise RuntimeError(f"the load kit failed ({code}): {load.output()}")
    return windows


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest.faults", description=__doc__)
    parser.add_argument("--users", type=int, default=20, help="concurrent patients (default 20, the full profile's)")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"in this order (default {','.join(FAULTS)})")
    parser.add_argument("--work-dir", type=Path, default=Path("build/faults"),
                        help="the platform's data (var/), the journal, windows.json, report.txt")
    args = parser.parse_args(argv)
    args.faults = tuple(f for f in args.faults.split(",") if f)
    unknown = set(args.faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}: choose among {', '.join(FAULTS)}")
    return args


def platform_for(var_dir: Path):
    from devtools.platform import LocalPlatform
    return LocalPlatform(var_dir, log_level="WARNING", extra_env=PLATFORM_ENV, durable=False, portal=False)


def main(argv: list[str] | None = None) -> int:
    from loadtest.reconcile import reconcile
    args = arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # stopped: the platform stops too
    shutil.rmtree(args.work_dir, ignore_errors=True)
    (args.work_dir / "var").mkdir(parents=True)
    began = time.monotonic()
    with platform_for(args.work_dir / "var") as platform:
        print(f"faults: platform serving in {time.monotonic() - began:.0f} s; {args.users} patients, "
              f"faults {', '.join(args.faults)}", flush=True)
        windows = run(platform, args.work_dir / "load", args.users, args.faults)
        result = reconcile(platform, args.work_dir / "load", windows)
    (args.work_dir / "report.txt").write_text(result.table() + "\n")
    print(result.table(), flush=True)
    for finding in result.findings:
        print(f"FAULT FINDING: {finding}", file=sys.stderr)
    print(f"faults: {'passed' if not result.findings else 'FAILED'} in {time.monotonic() - began:.0f} s "
          f"(journal {args.work_dir / 'load' / 'journal.jsonl'})", flush=True)
    return 1 if result.findings else 0


if __name__ == "__main__":
    sys.exit(main())
