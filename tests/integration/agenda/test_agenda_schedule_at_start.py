"""`python -m agenda` with a malformed operator schedule stops at start, naming the file and line."""
from __future__ import annotations

import os
import subprocess
import sys

from devtools.services import source_paths

GOOD = '  - {id: a, label: "A", category: dental, age: {from: P25Y}, every: P1Y, sex: any, mandatory: false}\n'


def test_a_bad_schedule_file_stops_the_service_naming_its_line(tmp_path):
    bad = tmp_path / "schedule.yaml"
    bad.write_text('schedule_version: "ops"\nhorizon: P120Y\nitems:\n' + GOOD
                   + '  - {id: b, label: "B", category: dental, age: {from: P30Y, to: P20Y}, recurrence: once, '
                     'sex: any, mandatory: false}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in source_paths()),
           "SERVICE_NAME": "agenda", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/agenda",
           "IDENTITY_ADDR": "127.0.0.1:1", "SERVICE_CLIENT_SECRET": "s" * 32, "AUDIT_ADDR": "127.0.0.1:1",
           "METRICS_PORT": "-1", "PREVENTION_SCHEDULE_FILE": str(bad)}
    ran = subprocess.run([sys.executable, "-m", "agenda"], env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 2
    assert f"{bad}, ligne 5 : élément b : la fin de la fenêtre (to) doit suivre son début (from)" in ran.stderr
