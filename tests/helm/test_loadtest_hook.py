"""The load kit's `helm test` hook (values `loadTest`, ci/loadtest-values.yaml): off unless asked, a
test Job running the kit's smoke profile against the release's gateway, every mail of a load-test
release to the kit's sink, refused with an Ingress. (Hardening, schemas, checkov and the
NetworkPolicies are checked over every scenario by the other modules, this one included.)"""
from __future__ import annotations

import json

import pytest
import yaml

from chartkit import CHART, ROOT, pod_spec, template

KIT_OBJECTS = ("Job", "Service", "NetworkPolicy")


def kit_objects(rendered) -> list[dict]:
    return [d for kind in KIT_OBJECTS for d in rendered.of_kind(kind)
            if d["metadata"]["labels"]["app.kubernetes.io/component"] == "loadtest"]


def notifications_env(rendered) -> dict:
    return rendered.named("ConfigMap", "mes-notifications")["data"]


def arguments(job: dict) -> dict[str, str]:
    command = pod_spec(job)["containers"][0]["command"]
    assert command[:3] == ["python", "-m", "loadtest"]
    return dict(arg.removeprefix("--").split("=", 1) for arg in command[3:])


@pytest.mark.parametrize("scenario", ["default", "ha", "trial", "no-networkpolicy"])
def test_off_unless_asked_and_mail_goes_to_the_relay(rendered, scenario):
    r = rendered[scenario]
    assert kit_objects(r) == []
    assert notifications_env(r)["SMTP_HOST"] != "mes-loadtest"


def test_a_test_hook_runs_the_smoke_profile_against_the_gateway_service(rendered):
    r = rendered["loadtest"]
    job = r.named("Job", "mes-loadtest")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert job["spec"]["backoffLimit"] == 0 and pod_spec(job)["restartPolicy"] == "Never"
    args = arguments(job)
    gateway = r.named("Service", "mes-gateway")
    assert args["host"] == f"http://mes-gateway:{gateway['spec']['ports'][0]['port']}"
    identity_port = {p["name"]: p["port"] for p in r.named("Service", "mes-identity")["spec"]["ports"]}["grpc"]
    assert args["identity"] == f"mes-identity:{identity_port}"
    assert args["profile"] == "smoke" and not {"users", "duration", "spawn-rate"} & set(args)
    [container] = pod_spec(job)["containers"]
    assert container["image"].startswith("registry.example.org/mes/mes-loadtest@sha256:")
    mount = next(m for m in container["volumeMounts"] if args["signing-key"].startswith(m["mountPath"]))
    assert mount["readOnly"] is True
    volume = next(v for v in pod_spec(job)["volumes"] if v["name"] == mount["name"])
    assert volume["secret"]["secretName"] == "mes-signing-key"


def test_every_mail_of_a_load_test_release_goes_to_the_kit(rendered):
    r = rendered["loadtest"]
    env = notifications_env(r)
    sink = r.named("Service", "mes-loadtest")
    [port] = sink["spec"]["ports"]
    assert (env["SMTP_HOST"], env["SMTP_PORT"], env["SMTP_STARTTLS"]) == ("mes-loadtest", str(port["port"]), "false")
    assert "SMTP_USERNAME" not in env
    [container] = pod_spec(r.named("Job", "mes-loadtest"))["containers"]
    assert port["targetPort"] in {p["name"] for p in container["ports"]}
    assert arguments(r.named("Job", "mes-loadtest"))["smtp-port"] == str(
        next(p["containerPort"] for p in container["ports"] if p["name"] == port["targetPort"]))


def test_the_profile_and_its_sizes_reach_the_kit(helm):
    result = template(helm, "--values", str(CHART / "ci" / "loadtest-values.yaml"), "--set", "loadTest.profile=capacity",
                      "--set", "loadTest.users=500", "--set", "loadTest.spawnRate=10", "--set", "loadTest.duration=15m",
                      "--show-only", "templates/tests/loadtest.yaml")
    assert result.returncode == 0, result.stderr
    job = next(d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "Job")
    args = arguments(job)
    assert (args["profile"], args["users"], args["spawn-rate"], args["duration"]) == ("capacity", "500", "10", "15m")


def test_the_profiles_the_chart_accepts_are_the_kits():
    schema = json.loads((CHART / "values.schema.json").read_text())
    profiles = json.loads((ROOT / "loadtest" / "profiles.json").read_text())
    assert set(schema["properties"]["loadTest"]["properties"]["profile"]["enum"]) == set(profiles)


@pytest.mark.parametrize("setting,message", [
    ("ingress.enabled=true", "a load-test release has no Ingress"),
    ("loadTest.profile=huge", "/loadTest/profile"),
    ("loadTest.mailPort=25", "/loadTest/mailPort"),
])
def test_a_load_test_release_refuses_what_it_must_not_be(helm, setting, message):
    result = template(helm, "--values", str(CHART / "ci" / "loadtest-values.yaml"), "--set", setting)
    assert result.returncode != 0
    assert message in result.stderr
