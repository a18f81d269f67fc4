"""Helpers of the chart tests: where the chart is, how to run helm and the tool scripts, and
the rendered scenarios. (conftest.py holds the fixtures; test modules import from here.)"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools import services

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "mes"
SCENARIOS = sorted(p.name.removesuffix("-values.yaml") for p in (CHART / "ci").glob("*-values.yaml"))
NAMESPACE = "mes"
RELEASE = "mes"


def fetch_tool(script: str) -> Path:
    """Run scripts/<script> (cached under build/tools) and return the path it prints last."""
    result = subprocess.run([str(ROOT / "scripts" / script)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable})
    if result.returncode != 0:
        pytest.fail(f"scripts/{script} failed:\n{result.stderr[-3000:]}")
    return ROOT / result.stdout.strip().splitlines()[-1]


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(helm), *args], cwd=ROOT, capture_output=True, text=True)


def template(helm: Path, *args: str) -> subprocess.CompletedProcess:
    return run_helm(helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *args)


@dataclass
class Rendered:
    scenario: str
    text: str
    docs: list[dict]

    def of_kind(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d["kind"] == kind]

    def named(self, kind: str, name: str) -> dict:
        (doc,) = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        return doc


def service_dirs() -> list[str]:
    return services.names()


def component(doc: dict) -> str:
    return doc["metadata"]["labels"]["app.kubernetes.io/component"]


def service_of(component_name: str) -> str:
    """The service (folder) a chart component belongs to: `demo-probe` -> `demo_probe`."""
    return {name.replace("_", "-"): name for name in services.names()}.get(component_name, component_name)


def pod_spec(doc: dict) -> dict:
    return doc["spec"]["template"]["spec"]



# Notes printed at the end of the run (what was skipped on purpose, and why), by conftest.py.
NOTES: list[str] = []
