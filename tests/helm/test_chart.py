"""The chart renders, lints and validates in every ci/ scenario, with hardened defaults."""
from __future__ import annotations

import json
import re

import kubernetes_validate
import pytest
import yaml

from chartkit import CHART, NOTES, SCENARIOS, component, pod_spec, run_helm, service_dirs, service_of, template

from devtools.services import health_name

KUBERNETES_VERSIONS = ["1.29.0", "1.35.0"]
STANDARD_LABELS = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
                   "app.kubernetes.io/part-of", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
                   "helm.sh/chart"}
SELECTOR_LABELS = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"}
WORKLOADS = ("Deployment", "StatefulSet", "Job")


def workloads(rendered):
    for kind in WORKLOADS:
        yield from rendered.of_kind(kind)


class TestHelmLint:
    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_lint_strict_passes(self, helm, scenario):
        result = run_helm(helm, "lint", "--strict", str(CHART), "--values", str(CHART / "ci" / f"{scenario}-values.yaml"))
        assert result.returncode == 0, result.stdout + result.stderr


class TestScenarios:
    def test_the_four_scenarios_exist(self):
        assert {"default", "ha", "trial", "no-networkpolicy"} <= set(SCENARIOS)

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_renders_every_service(self, rendered, scenario):
        deployments = {service_of(component(d)) for d in rendered[scenario].of_kind("Deployment")}
        assert deployments == set(service_dirs())


class TestKubernetesSchemas:
    @pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_every_manifest_is_valid_in_strict_mode(self, rendered, scenario, version):
        errors, crds = [], []
        for doc in rendered[scenario].docs:
            name = f"{doc['kind']}/{doc['metadata']['name']}"
            if "." in doc["apiVersion"].split("/")[0] and not doc["apiVersion"].split("/")[0].endswith(".k8s.io"):
                crds.append(name)  # a CRD's kind: no schema ships with Kubernetes
                continue
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                errors.append(f"{name}: {exc.message} at {list(exc.path)}")
        assert not errors, "\n".join(errors)
        if crds:
            NOTES.append(f"kubernetes-validate: skipped on purpose (custom resources, no Kubernetes schema): "
                         f"{sorted({c.split('/')[0] for c in crds})} in scenario {scenario}")

    def test_strict_validation_rejects_an_unknown_field(self, rendered):
        """The validator itself is not a no-op: a misspelt field in a Deployment fails."""
        doc = yaml.safe_load(yaml.safe_dump(rendered["default"].of_kind("Deployment")[0]))
        doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpcc"] = {}
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[0], strict=True)


class TestValuesSchema:
    @pytest.mark.parametrize("setting,where", [
        ("replicaCont=3", "''"),
        ("defaults.replicaCont=3", "'/defaults'"),
        ("services.identity.replicaCont=3", "'/services/identity'"),
        ("services.identiy.enabled=true", "'/services'"),
    ])
    def test_a_misspelt_key_fails_naming_it(self, helm, setting, where):
        result = template(helm, "--set", setting)
        assert result.returncode != 0
        misspelt = setting.split("=")[0].split(".")[-1] if "identiy" not in setting else "identiy"
        assert misspelt in result.stderr and where in result.stderr, result.stderr

    def test_a_variable_the_chart_owns_cannot_be_overridden_through_env(self, helm):
        result = template(helm, "--set-string", "services.identity.env.DATABASE_URL=postgresql://x")
        assert result.returncode != 0 and "DATABASE_URL" in result.stderr

    def test_a_call_to_an_unknown_service_fails(self, helm):
        result = template(helm, "--set", "services.audit.calls={identity,billing}")
        assert result.returncode != 0 and '"billing", which is not a service of this chart' in result.stderr, result.stderr

    def test_every_object_has_additional_properties_false(self):
        import json
        schema = json.loads((CHART / "values.schema.json").read_text())
        loose = []

        def walk(node, path):
            if isinstance(node, dict):
                if node.get("type") == "object" and "properties" in node and node.get("additionalProperties") is not False:
                    loose.append(path)
                for key, value in node.items():
                    walk(value, f"{path}/{key}")
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{path}/{i}")
        walk(schema, "")
        assert not loose


class TestLabels:
    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_every_object_has_the_standard_labels(self, rendered, scenario):
        missing = {f"{d['kind']}/{d['metadata']['name']}": STANDARD_LABELS - set(d["metadata"].get("labels", {}))
                   for d in rendered[scenario].docs}
        assert not {k: v for k, v in missing.items() if v}

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_selectors_use_the_minimal_immutable_subset(self, rendered, scenario):
        r = rendered[scenario]
        for doc in r.of_kind("Deployment") + r.of_kind("StatefulSet"):
            selector = doc["spec"]["selector"]["matchLabels"]
            assert set(selector) == SELECTOR_LABELS
            assert selector.items() <= doc["spec"]["template"]["metadata"]["labels"].items()
        for doc in r.of_kind("Service"):
            assert set(doc["spec"]["selector"]) == SELECTOR_LABELS


class TestHardening:
    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_every_pod_is_locked_down(self, rendered, scenario):
        for doc in workloads(rendered[scenario]):
            spec, where = pod_spec(doc), f"{doc['kind']}/{doc['metadata']['name']}"
            assert spec["securityContext"]["runAsNonRoot"] is True, where
            assert spec["securityContext"]["runAsUser"] >= 10000, where
            assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert spec["automountServiceAccountToken"] is False, where
            for container in spec["containers"]:
                sc = container["securityContext"]
                assert sc["readOnlyRootFilesystem"] is True, where
                assert sc["allowPrivilegeEscalation"] is False, where
                assert sc["capabilities"] == {"drop": ["ALL"]}, where
                assert {"requests", "limits"} <= set(container["resources"]), where
                assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_no_secret_is_rendered_and_no_credential_sits_in_a_configmap(self, rendered, scenario):
        r = rendered[scenario]
        assert not r.of_kind("Secret")
        for cm in r.of_kind("ConfigMap"):
            for key, value in (cm.get("data") or {}).items():
                assert not re.search(r"PASSWORD|SECRET|DATABASE_URL|ACCESS_KEY", key), f"{cm['metadata']['name']}: {key}"
                assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{cm['metadata']['name']}: {key}"

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_every_workload_spreads_across_zones_and_nodes(self, rendered, scenario):
        for doc in rendered[scenario].of_kind("Deployment"):
            keys = {c["topologyKey"] for c in pod_spec(doc)["topologySpreadConstraints"]}
            assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}


class TestProbes:
    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_grpc_services_use_native_grpc_probes_and_readiness_names_the_service(self, rendered, scenario):
        for doc in rendered[scenario].of_kind("Deployment"):
            name, (container,) = component(doc), pod_spec(doc)["containers"]
            if name in ("gateway", "portal"):   # the HTTP ones
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
                continue
            assert "grpc" in container["livenessProbe"] and "grpc" in container["startupProbe"]
            assert container["readinessProbe"]["grpc"]["service"] == health_name(service_of(name))


class TestAvailability:
    def test_ha_every_service_has_an_hpa_from_two_replicas_and_a_pdb(self, rendered):
        r = rendered["ha"]
        hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in r.of_kind("HorizontalPodAutoscaler")}
        pdbs = {tuple(sorted(p["spec"]["selector"]["matchLabels"].items())) for p in r.of_kind("PodDisruptionBudget")}
        for doc in r.of_kind("Deployment"):
            name = doc["metadata"]["name"]
            assert "replicas" not in doc["spec"], f"{name}: replicas must be omitted when the HPA owns them"
            assert hpas[name]["spec"]["minReplicas"] >= 2, name
            assert hpas[name]["spec"]["maxReplicas"] >= hpas[name]["spec"]["minReplicas"], name
            assert tuple(sorted(doc["spec"]["selector"]["matchLabels"].items())) in pdbs, name

    def test_default_every_service_has_two_replicas_and_a_pdb_but_no_hpa(self, rendered):
        r = rendered["default"]
        assert not r.of_kind("HorizontalPodAutoscaler")
        assert len(r.of_kind("PodDisruptionBudget")) == len(r.of_kind("Deployment"))
        for doc in r.of_kind("Deployment"):
            assert doc["spec"]["replicas"] >= 2

    def test_a_service_can_turn_autoscaling_off_below_defaults_that_turn_it_on(self, helm):
        result = template(helm, "--values", str(CHART / "ci" / "ha-values.yaml"),
                          "--set", "services.audit.autoscaling.enabled=false")
        docs = [d for d in yaml.safe_load_all(result.stdout) if d]
        hpas = {d["metadata"]["name"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"}
        assert "mes-audit" not in hpas and "mes-identity" in hpas


class TestMigrations:
    @pytest.mark.parametrize("scenario,hook", [("default", "pre-install,pre-upgrade"),
                                               ("trial", "post-install,pre-upgrade")])
    def test_a_hook_job_migrates_each_database(self, rendered, scenario, hook):
        r = rendered[scenario]
        jobs = {service_of(component(j).removesuffix("-migrations")): j for j in r.of_kind("Job")}
        with_db = {service_of(component(d)) for d in r.of_kind("Deployment")
                   if any(e["name"] == "DATABASE_URL" for e in pod_spec(d)["containers"][0].get("env", []))}
        assert set(jobs) == with_db and "gateway" not in jobs
        for name, job in jobs.items():
            assert job["metadata"]["annotations"]["helm.sh/hook"] == hook
            assert pod_spec(job)["containers"][0]["command"] == ["python", "-m", name, "migrate"]

    @pytest.mark.parametrize("scenario", SCENARIOS)
    def test_an_upgrade_keeps_old_pods_serving_and_a_rollback_migrates_nothing(self, rendered, scenario):
        """What README.md's "Upgrading" and "Rolling back" rely on: a new pod serves before an old
        one stops, so old and new pods serve side by side on the migrated databases; the migration
        Jobs are no rollback hooks (no migration runs backwards)."""
        r = rendered[scenario]
        for doc in r.of_kind("Deployment"):
            assert doc["spec"]["strategy"]["type"] == "RollingUpdate", doc["metadata"]["name"]
            assert doc["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, doc["metadata"]["name"]
            assert "readinessProbe" in pod_spec(doc)["containers"][0], doc["metadata"]["name"]
        for job in r.of_kind("Job"):
            if "helm.sh/hook" in job["metadata"].get("annotations", {}) and component(job).endswith("-migrations"):
                assert "rollback" not in job["metadata"]["annotations"]["helm.sh/hook"], job["metadata"]["name"]


def routed_to(ingress: dict, path: str) -> str:
    """The backend of `path`: the longest matching Prefix, as Kubernetes picks it."""
    matching = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]
                if p["pathType"] == "Prefix" and (path == p["path"] or path.startswith(p["path"].rstrip("/") + "/"))]
    return max(matching, key=lambda p: len(p["path"]))["backend"]["service"]["name"]


class TestIngress:
    def test_the_ingress_routes_to_the_gateway_and_the_portal_only(self, rendered):
        (ingress,) = rendered["ha"].of_kind("Ingress")
        backends = {p["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]
                    for p in rule["http"]["paths"]}
        assert backends == {"mes-gateway", "mes-portal"}
        assert not rendered["default"].of_kind("Ingress")

    @pytest.mark.parametrize("path", ["/", "/connexion", "/documents", "/assets/govuk/govuk-frontend.min.css"])
    def test_the_pages_reach_the_portal(self, rendered, path):
        (ingress,) = rendered["ha"].of_kind("Ingress")
        assert routed_to(ingress, path) == "mes-portal"

    @pytest.mark.parametrize("path", ["/v1/patients/me/documents", "/oauth/authorize", "/oauth/token",
                                      "/oauth/revoke", "/oauth/introspect", "/.well-known/oauth-authorization-server",
                                      "/fhir/r4", "/fhir/r4/Observation"])
    def test_the_apps_endpoints_reach_the_gateway_as_the_api_does(self, rendered, path):
        """OAuth 2.0 (RFC 8414 metadata included) and FHIR are served by the gateway, as /v1 is."""
        (ingress,) = rendered["ha"].of_kind("Ingress")
        assert routed_to(ingress, path) == "mes-gateway"


class TestDocumentation:
    def test_every_value_is_in_the_readme_table_and_every_row_is_a_value(self):
        values = yaml.safe_load((CHART / "values.yaml").read_text())
        section = (CHART / "README.md").read_text().split("\n## Values\n")[1].split("\n## ")[0]
        rows = set(re.findall(r"^\| `([^`]+)` \|", section, re.M))
        free_form = {"podAnnotations", "podLabels", "nodeSelector", "affinity", "labels", "annotations",
                     "resources", "env", "requests", "limits", "tolerations", "egressTo", "dnsTo",
                     "gatewayFrom", "metricsFrom", "secretFiles", "secretEnv", "database", "calls", "uses"}

        def paths(node, prefix=""):
            for key, value in node.items():
                path = f"{prefix}{key}"
                if path == "services":
                    for service in value.values():
                        yield from paths(service, "services.<name>.")
                elif isinstance(value, dict) and value and key not in free_form:
                    yield from paths(value, path + ".")
                else:
                    yield path
        documented = set(paths(values, ""))
        schema = json.loads((CHART / "values.schema.json").read_text())
        per_service = {f"services.<name>.{key}" for key in schema["$defs"]["service"]["properties"]}
        per_service |= {f"services.<name>.clientSecret.{key}" for key in ("secretName", "key")}
        assert documented - rows == set(), "values missing from README.md"
        assert rows - documented - per_service == set(), "README.md rows that are not values"
