"""The matrix is operator data (MATRIX_FILE): a bad file stops `python -m documents` at start, naming the line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devtools.ports import closed_port

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "services" / "documents" / "documents" / "domain" / "access" / "matrix.yaml"


def start_documents(matrix_file: Path) -> subprocess.CompletedProcess:
    paths = [ROOT / "lib", ROOT / "build" / "gen", ROOT / "services" / "documents"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.pathsep.join(map(str, paths)),
           "SERVICE_NAME": "documents", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
           "GRPC_PORT": "0", "METRICS_PORT": "-1", "IDENTITY_ADDR": f"127.0.0.1:{closed_port()}",
           "AUDIT_ADDR": f"127.0.0.1:{closed_port()}", "SERVICE_CLIENT_SECRET": "s", "MATRIX_FILE": str(matrix_file)}
    return subprocess.run([sys.executable, "-m", "documents"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_an_unknown_profession_code_stops_the_service_naming_the_line(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(i + 1 for i, line in enumerate(lines) if line.startswith("  infirmiers:"))
    bad = tmp_path / "operator-matrix.yaml"
    bad.write_text(text.replace('  infirmiers: ["60", "69"]', '  infirmiers: ["60", "66"]'), encoding="utf-8")
    done = start_documents(bad)
    assert done.returncode == 2
    assert f"line {number}: groups.infirmiers: unknown TRE_G15 profession code(s) ['66']" in done.stderr
    assert "operator-matrix.yaml" in done.stderr and "Traceback" not in done.stderr


def test_malformed_yaml_stops_the_service_naming_the_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("version: 1\ngroups:\n  medecins: [\"10\"\n", encoding="utf-8")
    done = start_documents(bad)
    assert done.returncode == 2
    assert "not valid YAML" in done.stderr and "line 4" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_file_stops_the_service(tmp_path):
    done = start_documents(tmp_path / "absent.yaml")
    assert done.returncode == 2
    assert "absent.yaml: cannot read the matrix file" in done.stderr
