"""Two real agenda processes on one database, one SIGKILLed in the middle of a batch of due
reminders: every reminder is told exactly once, as the person sees it in her bell.

To hold the first replica mid-batch, the test locks agenda's outbox against writes (SHARE mode:
reads and row claims still go): the replica claims the due rows (FOR UPDATE SKIP LOCKED), then waits
on its first notice's insert, its transaction open. The second replica, started then, finds every
due row held and skips it. Once the first is killed and the lock released, its transaction rolls back
and the second claims the rows and tells each once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from mes.agenda.v1 import agenda_pb2 as pb
from mes.agenda.v1 import agenda_pb2_grpc

import documents_harness
from devtools.eventually import eventually
from meskit.timestamps import timestamp

ROOT = Path(__file__).resolve().parents[3]
PEOPLE, REMINDERS_EACH = 3, 4


class Replica:
    def __init__(self, name: str, env: dict[str, str], tmp: Path):
        self.port_file = tmp / f"{name}.port"
        self.port_file.unlink(missing_ok=True)
        self.log = tmp / f"{name}.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "agenda"], cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT,
                                            env={**env, "PORT_FILE": str(self.port_file), "SERVICE_NAME": "agenda"})
        eventually(lambda: self._alive() and self.port_file.exists(), timeout=30, what=f"{name} serving")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{int(self.port_file.read_text())}")
        self.stub = agenda_pb2_grpc.AgendaServiceStub(self.channel)

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"agenda replica exited: {self.log.read_text()[-2000:]}")
        return True

    def close(self, sig=signal.SIGTERM) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def replicas(astack, migrated_database, tmp_path):
    url = migrated_database("agenda")
    clock = tmp_path / "clock"
    clock.write_text("0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRPC_", "DATABASE_"))}
    env.update({"PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "services/agenda")),
                "DATABASE_URL": url, "GRPC_PORT": "0", "METRICS_PORT": "-1", "LOG_LEVEL": "INFO",
                "IDENTITY_ADDR": astack.address("identity"), "AUDIT_ADDR": astack.address("audit"),
                "NOTIFICATIONS_ADDR": astack.address("notifications"),
                "SERVICE_CLIENT_SECRET": documents_harness.SECRETS["agenda"],
                "CLOCK_OFFSET_FILE": str(clock), "REMINDER_INTERVAL_SECONDS": "0.2"})
    started: list[Replica] = []

    def start(name: str) -> Replica:
        started.append(Replica(name, env, tmp_path))
        return started[-1]
    engine = sa.create_engine(url)
    yield start, clock, engine
    for replica in started:
        replica.close()
    engine.dispose()


def waiting_on_outbox(engine: sa.Engine) -> int:
    with engine.connect() as c:
        return c.execute(sa.text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class t ON t.oid = l.relation "
            "WHERE t.relname = 'outbox' AND NOT l.granted")).scalar()


def test_one_replica_killed_mid_batch_each_reminder_is_told_once(astack, replicas):
    start, clock, engine = replicas
    first = start("agenda-a")
    at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)
    people = [astack.new_patient() for _ in range(PEOPLE)]
    for patient in people:
        for n in range(REMINDERS_EACH):
            first.stub.CreateReminder(pb.CreateReminderRequest(
                patient_id=patient, title=f"Rappel {n}", remind_at=timestamp(at + timedelta(minutes=n))),
                metadata=astack.patient(patient), timeout=10)

    with engine.connect() as holder:
        holder.execute(sa.text("LOCK TABLE outbox IN SHARE MODE"))       # held until this transaction ends
        clock.write_text(f"{(at + timedelta(hours=1) - datetime.now(timezone.utc)).total_seconds():.3f}")
        eventually(lambda: waiting_on_outbox(engine) >= 1 or None, timeout=20, what="replica A blocked mid-batch")
        second = start("agenda-b")
        second.stub.ListReminders(pb.ListRemindersRequest(patient_id=people[0]),       # B serves the same data
                                  metadata=astack.patient(people[0]), timeout=10)
        time.sleep(1.0)                      # B's passes meanwhile: every due row is held by A, skipped
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        holder.rollback()

    for patient in people:
        told = eventually(lambda: (lambda found: found if len(found) >= REMINDERS_EACH else None)(
            astack.bell(patient, "RAPPEL_AGENDA")), timeout=30, what="the reminders in the bell")
        assert len(told) == REMINDERS_EACH
    time.sleep(1.5)
    assert [len(astack.bell(p, "RAPPEL_AGENDA")) for p in people] == [REMINDERS_EACH] * PEOPLE
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'RAPPEL_AGENDA'")).scalar() == (
            PEOPLE * REMINDERS_EACH)
        assert c.execute(sa.text("SELECT count(*) FROM reminders WHERE notice_state = 'sent'")).scalar() == (
            PEOPLE * REMINDERS_EACH)
