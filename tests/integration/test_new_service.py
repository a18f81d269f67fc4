"""`python -m devtools.new_service NAME` into a copy of the tree: the contract compiles with a real
protoc, every Python file compiles, and the chart lists the service in its values and schema.
(A scratch clone where the command ran, then `make test`, is the full proof; this is the cheap one.)"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from devtools.new_service import create
from devtools.services import ROOT


@pytest.fixture
def tree(tmp_path):
    for folder in ("services", "protos"):
        (tmp_path / folder).mkdir()
    shutil.copytree(ROOT / "helm", tmp_path / "helm")
    return tmp_path


def test_a_new_service_has_the_standard_inside_and_its_chart_entry(tree):
    written = {p.relative_to(tree).as_posix() for p in create("demo_probe", tree)}
    package = "services/demo_probe/demo_probe"
    assert {f"{package}/{name}" for name in ("__main__.py", "config.py", "wiring.py", "api/servicer.py",
                                             "domain/__init__.py", "adapters/__init__.py",
                                             "migrations/versions/0001_baseline.py")} <= written
    assert {"services/demo_probe/README.md", "protos/mes/demo_probe/v1/demo_probe.proto",
            "tests/integration/demo_probe/test_demo_probe_service.py"} <= written

    for path in written:
        if path.endswith(".py"):
            compile((tree / path).read_text(), path, "exec")
    out = tree / "gen"
    out.mkdir()
    protoc = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", str(tree / "protos"),
                             f"--python_out={out}", f"--grpc_python_out={out}",
                             str(tree / "protos/mes/demo_probe/v1/demo_probe.proto")],
                            capture_output=True, text=True)
    assert protoc.returncode == 0, protoc.stderr
    assert "def add_DemoProbeServiceServicer_to_server" in (out / "mes/demo_probe/v1/demo_probe_pb2_grpc.py").read_text()

    values = yaml.safe_load((tree / "helm/mes/values.yaml").read_text())
    assert values["services"]["demo_probe"] == {"healthService": "mes.demo_probe.v1.DemoProbeService"}
    assert list(values["services"])[-1] == "gateway"
    schema = json.loads((tree / "helm/mes/values.schema.json").read_text())
    assert schema["properties"]["services"]["properties"]["demo_probe"] == {"$ref": "#/$defs/service"}


@pytest.mark.parametrize("name", ["Billing", "demo-probe", "gateway", "identity", "_x", "a__b"])
def test_a_bad_or_taken_name_is_refused(tree, name):
    (tree / "services" / "gateway").mkdir()
    (tree / "services" / "identity").mkdir()
    with pytest.raises(SystemExit):
        create(name, tree)
