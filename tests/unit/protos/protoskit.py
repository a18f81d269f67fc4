"""Helpers of the contract checks: where things are, how to fetch and run buf, and how to read its
findings. (conftest.py holds the fixtures; test modules import from here.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RELEASE_IMAGE = ROOT / "protos" / "release" / "mes-v1.binpb"


def fetch_buf() -> Path:
    """Run scripts/get-buf.sh (cached under build/tools/buf) and return the path it prints last."""
    result = subprocess.run([str(ROOT / "scripts" / "get-buf.sh")], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable})
    if result.returncode != 0:
        pytest.fail(f"scripts/get-buf.sh failed:\n{result.stderr[-3000:]}")
    return ROOT / result.stdout.strip().splitlines()[-1]


def run_buf(buf: Path, workspace: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(buf), *args, "--error-format=json"], cwd=workspace, capture_output=True,
                          text=True, timeout=120)


def findings(result: subprocess.CompletedProcess) -> list[dict]:
    """buf's findings ({"path", "start_line", "type", "message"}), one JSON object a line."""
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def report(result: subprocess.CompletedProcess) -> str:
    lines = [f"{f['path']}:{f.get('start_line')}: {f['type']}: {f['message']}" for f in findings(result)]
    return "\n".join(lines[:60] + [result.stderr.strip()])


def plant(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should appear once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
