"""Fixtures of the chart tests: a real helm (scripts/get-helm.sh), each ci/ scenario rendered once."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartkit import CHART, NOTES, SCENARIOS, Rendered, fetch_tool, template


@pytest.fixture(scope="session")
def helm() -> Path:
    return fetch_tool("get-helm.sh")


@pytest.fixture(scope="session")
def rendered(helm) -> dict[str, Rendered]:
    """Every ci/<scenario>-values.yaml rendered once for the whole session."""
    out = {}
    for scenario in SCENARIOS:
        result = template(helm, "--values", str(CHART / "ci" / f"{scenario}-values.yaml"))
        assert result.returncode == 0, f"helm template {scenario}:\n{result.stderr}"
        docs = [d for d in yaml.safe_load_all(result.stdout) if d]
        out[scenario] = Rendered(scenario, result.stdout, docs)
    return out


def pytest_terminal_summary(terminalreporter):
    if NOTES:
        terminalreporter.section("chart checks: notes")
        for note in dict.fromkeys(NOTES):
            terminalreporter.write_line(note)
