"""The chart's CPU requests and HPA settings are those the capacity model gives for the bench run
docs/capacity.md records (docs/capacity-bench.json, docs/capacity-rows.json): a change to either
side without the other fails here. And what renders from them holds together."""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest
import yaml
from chartkit import CHART, ROOT, pod_spec, template

_spec = importlib.util.spec_from_file_location("capacity_for_chart", ROOT / "scripts/capacity.py")
assert _spec and _spec.loader
capacity = importlib.util.module_from_spec(_spec)
sys.modules["capacity_for_chart"] = capacity
_spec.loader.exec_module(capacity)


def _cores(value) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


@pytest.fixture(scope="module")
def sizing() -> dict[str, dict]:
    bench = json.loads((ROOT / "docs/capacity-bench.json").read_text())
    rows = capacity.read_rows(ROOT / "docs/capacity-rows.json")
    return capacity.model(bench, capacity.Assumptions(), rows).sizing


@pytest.mark.parametrize("service", capacity.SERVICES)
def test_the_chart_ships_the_models_cpu_request_and_replicas(sizing, service):
    shipped = capacity.chart_settings(CHART / "values.yaml")[service]
    model = sizing[service]
    assert _cores(shipped["request"]) == pytest.approx(model["request"]), "cpu request: see docs/capacity.md"
    assert (shipped["min"], shipped["max"]) == (model["min"], model["max"]), "HPA replicas: see docs/capacity.md"
    assert shipped["target"] == round(capacity.Assumptions().target_cpu * 100)


def test_every_service_of_the_chart_is_in_the_model():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert set(values["services"]) == set(capacity.SERVICES)


def test_rendered_pods_request_at_most_one_process_and_the_hpa_has_room(helm):
    result = template(helm, "--values", str(CHART / "ci" / "ha-values.yaml"))
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    for doc in (d for d in docs if d["kind"] == "Deployment"):
        (container,) = pod_spec(doc)["containers"]
        requests, limits = container["resources"]["requests"], container["resources"]["limits"]
        assert _cores(requests["cpu"]) <= min(_cores(limits["cpu"]), capacity.Assumptions().cores_per_pod), \
            doc["metadata"]["name"]
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        spec = hpa["spec"]
        assert spec["maxReplicas"] >= 2 * spec["minReplicas"], hpa["metadata"]["name"]
        assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
