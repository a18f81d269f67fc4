"""The chart and the code cannot drift apart: every service has a Deployment, every variable a
service requires is set and every variable the chart sets is read (secrets only from Secrets), the
chart does not restate the code's defaults, every port a service listens on is the one its Service
and probes use, and the image can import every service."""
from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from chartkit import CHART, ROOT, SCENARIOS, component, pod_spec, service_dirs, service_of

from devtools.services import reads as variables_read
from devtools.services import required, settings_class
from meskit.config import load

SERVICES = service_dirs()

# Variables the chart sets ahead of the code that will read them (the services whose issues have not
# landed run their contract only). Remove an entry when its service's settings read it: the test
# below then checks it like any other.
PENDING = {
}


def secret_env(cls: type) -> set[str]:
    return {f.metadata["env"] for f in dataclasses.fields(cls) if f.metadata.get("env") and f.metadata.get("secret")}


def container_env(doc: dict, configmaps: dict[str, dict]) -> dict[str, dict]:
    """name -> {"value": ...} or {"valueFrom": ...}, as the container will see it."""
    (container,) = pod_spec(doc)["containers"]
    seen: dict[str, dict] = {}
    for source in container.get("envFrom", []):
        data = configmaps[source["configMapRef"]["name"]].get("data", {})
        seen.update({k: {"value": v, "from": "configmap"} for k, v in data.items()})
    for entry in container.get("env", []):
        seen[entry["name"]] = {k: v for k, v in entry.items() if k != "name"}
    return seen


def secret_mounts(doc: dict) -> list[str]:
    spec = pod_spec(doc)
    secret_volumes = {v["name"] for v in spec.get("volumes", []) if "secret" in v}
    (container,) = spec["containers"]
    return [m["mountPath"] for m in container.get("volumeMounts", []) if m["name"] in secret_volumes]


@pytest.fixture(scope="module", params=SCENARIOS)
def scenario(request, rendered):
    r = rendered[request.param]
    configmaps = {c["metadata"]["name"]: c for c in r.of_kind("ConfigMap")}
    deployments = {service_of(component(d)): d for d in r.of_kind("Deployment")}
    jobs = {service_of(component(j).removesuffix("-migrations")): j for j in r.of_kind("Job")}
    services = {service_of(component(s)): s for s in r.of_kind("Service")}
    return r, configmaps, deployments, jobs, services


class TestEveryServiceIsDeployed:
    def test_every_service_directory_has_a_deployment_running_it(self, scenario):
        _, _, deployments, _, _ = scenario
        assert set(deployments) == set(SERVICES)
        for name, doc in deployments.items():
            assert pod_spec(doc)["containers"][0]["command"] == ["python", "-m", name]

    def test_the_image_puts_every_service_on_the_python_path(self):
        """By a glob over services/ (one .pth line per folder), not a list to keep up to date."""
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert "PYTHONPATH" not in dockerfile
        assert re.search(r"printf '%s\\n' /app/lib /app/gen /app/services/\*/ \\\n\s*> .*/mes\.pth", dockerfile)


class TestEnvironment:
    @pytest.mark.parametrize("service", SERVICES)
    def test_every_required_variable_is_set_and_every_variable_set_is_read(self, scenario, service):
        _, configmaps, deployments, jobs, _ = scenario
        cls = settings_class(service)
        reads = variables_read(service)
        targets = {"Deployment": deployments[service]} | ({"Job": jobs[service]} if service in jobs else {})
        for kind, doc in targets.items():
            env = container_env(doc, configmaps)
            assert required(service) - set(env) == set(), f"{kind} of {service} misses what {cls.__name__} requires"
            unread = set(env) - reads - PENDING.get(service, set())
            assert unread == set(), f"{kind} of {service} sets variables {cls.__name__} never reads"

    @pytest.mark.parametrize("service", SERVICES)
    def test_the_settings_load_from_what_the_chart_sets(self, scenario, service):
        """Types and required variables, as the service's own loader judges them at start."""
        _, configmaps, deployments, jobs, _ = scenario
        cls = settings_class(service)
        for doc in [deployments[service]] + ([jobs[service]] if service in jobs else []):
            env = container_env(doc, configmaps)
            load(cls, {name: source.get("value", "<from a Secret>") for name, source in env.items()})

    @pytest.mark.parametrize("service", SERVICES)
    def test_secrets_come_from_secrets_only(self, scenario, service):
        _, configmaps, deployments, jobs, _ = scenario
        secrets = secret_env(settings_class(service)) | {"S3_ACCESS_KEY", "S3_SECRET_KEY"}
        targets = {"Deployment": deployments[service]} | ({"Job": jobs[service]} if service in jobs else {})
        for kind, doc in targets.items():
            env = container_env(doc, configmaps)
            for name in sorted(secrets & set(env)):
                if name.endswith("_FILE"):
                    # A path, not the secret itself. The server reads the file from a read-only Secret
                    # volume; `migrate` only needs the variable set and gets no key mounted.
                    if kind == "Deployment":
                        assert any(env[name]["value"].startswith(m + "/") for m in secret_mounts(doc)), name
                    continue
                assert "secretKeyRef" in env[name].get("valueFrom", {}), f"{kind} of {service}: {name} not from a Secret"


class TestPorts:
    @pytest.mark.parametrize("service", SERVICES)
    def test_the_port_the_service_listens_on_is_the_one_its_service_and_probes_use(self, scenario, service):
        _, configmaps, deployments, _, services = scenario
        doc = deployments[service]
        env = {k: v.get("value") for k, v in container_env(doc, configmaps).items()}
        (container,) = pod_spec(doc)["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        serving = "grpc" if "GRPC_PORT" in env else "http"
        listen = int(env["GRPC_PORT"] if serving == "grpc" else env["HTTP_PORT"])
        assert ports[serving] == listen
        assert int(env["METRICS_PORT"]) == ports["metrics"]
        svc_ports = {p["name"]: p for p in services[service]["spec"]["ports"]}
        for name in (serving, "metrics"):
            target = svc_ports[name]["targetPort"]
            assert (ports[target] if isinstance(target, str) else target) == ports[name]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            handler = container[probe].get("grpc") or container[probe].get("httpGet")
            port = handler["port"]
            assert (ports[port] if isinstance(port, str) else port) == listen, probe

    @pytest.mark.parametrize("service", SERVICES)
    def test_addresses_of_called_services_point_at_their_service_port(self, scenario, service):
        _, configmaps, deployments, _, services = scenario
        env = {k: v.get("value") for k, v in container_env(deployments[service], configmaps).items()}
        for name, value in env.items():
            callee = name.removesuffix("_ADDR").lower()
            if name.endswith("_ADDR") and value:
                host, port = value.rsplit(":", 1)
                assert host == services[callee]["metadata"]["name"]
                assert int(port) in {p["port"] for p in services[callee]["spec"]["ports"] if p["name"] != "metrics"}


def test_values_set_no_service_variable_to_the_default_its_code_already_has():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for service, entry in values["services"].items():
        defaults = {f.metadata["env"]: f.default for f in dataclasses.fields(settings_class(service))
                    if f.metadata.get("env") and f.default is not dataclasses.MISSING}
        for name, value in (entry.get("env") or {}).items():
            assert name in variables_read(service), f"{service}: {name} is not read"
            assert str(defaults.get(name)) != value, f"services.{service}.env.{name} restates the code's default"


def test_the_chart_lists_exactly_the_services_of_the_folders():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())
    assert sorted(values["services"]) == SERVICES
    assert sorted(schema["properties"]["services"]["properties"]) == SERVICES


def test_print_files_attachments_and_documents_go_to_buckets_of_their_own(scenario):
    _, configmaps, deployments, _, _ = scenario
    buckets = {service: container_env(deployments[service], configmaps)["S3_BUCKET"]["value"]
               for service in ("documents", "notifications", "messaging", "exports")}
    assert buckets == {"documents": "mes-documents", "notifications": "mes-letters", "messaging": "mes-messaging",
                       "exports": "mes-exports"}


def test_messaging_is_told_where_the_services_it_calls_are(scenario):
    _, configmaps, deployments, _, _ = scenario
    env = container_env(deployments["messaging"], configmaps)
    assert {"IDENTITY_ADDR", "DOCUMENTS_ADDR", "AUDIT_ADDR", "NOTIFICATIONS_ADDR"} <= env.keys()
    assert env["DOCUMENTS_ADDR"]["value"].split(":")[0].endswith("documents")
