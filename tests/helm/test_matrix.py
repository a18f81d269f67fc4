"""documents' DMP read matrix is operator data: the chart mounts it from a ConfigMap, the shipped file
by default, an operator's existing ConfigMap or inline text when given (values documents.matrix)."""
from __future__ import annotations

import pytest
import yaml

from chartkit import CHART, ROOT, SCENARIOS, component, pod_spec, template

from documents.domain.access import parse_matrix

SHIPPED = ROOT / "services" / "documents" / "documents" / "domain" / "access" / "matrix.yaml"
MOUNT = "/etc/mes/matrix"


def render(helm, *args: str) -> list[dict]:
    result = template(helm, *args)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def documents_deployment(docs: list[dict]) -> dict:
    (deployment,) = [d for d in docs if d["kind"] == "Deployment" and component(d) == "documents"]
    return deployment


def matrix_volume(deployment: dict) -> dict:
    spec = pod_spec(deployment)
    (mount,) = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == MOUNT]
    assert mount["readOnly"] is True
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    return volume["configMap"]


def chart_matrix(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-documents-matrix")]


def test_the_charts_copy_is_the_services_file():
    """A chart reads only files inside its own folder: files/matrix.yaml must stay the service's file."""
    assert (CHART / "files" / "matrix.yaml").read_bytes() == SHIPPED.read_bytes(), \
        "copy services/documents/documents/domain/access/matrix.yaml to helm/mes/files/matrix.yaml"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_by_default_the_shipped_matrix_is_mounted_as_matrix_file(rendered, scenario):
    docs = rendered[scenario].docs
    (configmap,) = chart_matrix(docs)
    text = configmap["data"]["matrix.yaml"]
    assert text == SHIPPED.read_text(encoding="utf-8")
    assert parse_matrix(text).version == parse_matrix(SHIPPED.read_text(encoding="utf-8")).version
    volume = matrix_volume(documents_deployment(docs))
    assert volume["name"] == configmap["metadata"]["name"]
    assert volume["items"] == [{"key": "matrix.yaml", "path": "matrix.yaml"}]
    env = next(c for c in docs if c["kind"] == "ConfigMap" and c["metadata"]["name"] == "mes-documents")["data"]
    assert env["MATRIX_FILE"] == f"{MOUNT}/matrix.yaml"


def test_an_operators_existing_configmap_is_mounted_instead(helm):
    docs = render(helm, "--set", "documents.matrix.configMap=dmp-matrice-officielle",
                  "--set", "documents.matrix.key=matrice.yaml")
    assert chart_matrix(docs) == []
    volume = matrix_volume(documents_deployment(docs))
    assert volume["name"] == "dmp-matrice-officielle"
    assert volume["items"] == [{"key": "matrice.yaml", "path": "matrix.yaml"}]


def test_an_operators_inline_matrix_goes_into_the_charts_configmap_and_rolls_the_pods(helm, tmp_path):
    operator = SHIPPED.read_text(encoding="utf-8").replace('label: "CR opératoire"', 'label: "CR opératoire (officiel)"')
    path = tmp_path / "matrice.yaml"
    path.write_text(operator, encoding="utf-8")
    default, custom = render(helm), render(helm, "--set-file", f"documents.matrix.content={path}")
    (configmap,) = chart_matrix(custom)
    assert configmap["data"]["matrix.yaml"] == operator
    annotations = [documents_deployment(d)["spec"]["template"]["metadata"]["annotations"] for d in (default, custom)]
    assert annotations[0]["checksum/matrix"] != annotations[1]["checksum/matrix"]


@pytest.mark.parametrize("setting, message", [
    ("documents.matrix.configMapp=x", "configMapp"),
    ("documents.matrix.configMap=Not_A_Name", "configMap"),
    ("documents.matrix.key=", "key"),
])
def test_the_schema_refuses_bad_matrix_values(helm, setting, message):
    result = template(helm, "--set", setting)
    assert result.returncode != 0 and message in result.stderr, result.stderr
