"""Who can reach whom, computed from the rendered NetworkPolicies as Kubernetes enforces them:
a connection passes when the source's egress AND the destination's ingress allow it."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import yaml

from chartkit import CHART, NAMESPACE, component, pod_spec

from devtools.services import grpc_services

SCENARIOS_WITH_POLICIES = ["default", "ha", "trial", "loadtest"]


@dataclass(frozen=True)
class Pod:
    name: str
    labels: dict
    namespace: str = NAMESPACE
    namespace_labels: dict = field(default_factory=dict)
    ports: dict = field(default_factory=dict)      # name -> number

    def ns_labels(self) -> dict:
        return {"kubernetes.io/metadata.name": self.namespace, **self.namespace_labels}


def selects(selector: dict | None, labels: dict) -> bool:
    """A Kubernetes label selector; {} selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def peer_matches(peer: dict, pod: Pod, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return True  # pod addresses are unknown here: count any ipBlock as able to reach pods
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], pod.ns_labels()):
            return False
    elif pod.namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector"), pod.labels)


def port_matches(rule_ports: list | None, port: int, target: Pod) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != "TCP":
            continue
        number = target.ports.get(p["port"]) if isinstance(p.get("port"), str) else p.get("port")
        if p.get("port") is None or (number is not None and number <= port <= p.get("endPort", number)):
            return True
    return False


def allowed(policies: list[dict], src: Pod, dst: Pod, port: int) -> bool:
    def direction(pod: Pod, kind: str, rules_key: str, peers_key: str, other: Pod) -> bool:
        applying = [p for p in policies if p["metadata"]["namespace"] == pod.namespace
                    and kind in p["spec"].get("policyTypes", ["Ingress"])
                    and selects(p["spec"]["podSelector"], pod.labels)]
        if not applying:
            return True
        return any(port_matches(rule.get("ports"), port, dst)
                   and (not rule.get(peers_key) or any(peer_matches(peer, other, p["metadata"]["namespace"])
                                                       for peer in rule[peers_key]))
                   for p in applying for rule in p["spec"].get(rules_key) or [])
    return direction(src, "Egress", "egress", "to", dst) and direction(dst, "Ingress", "ingress", "from", src)


def pods_of(rendered) -> dict[str, Pod]:
    pods = {}
    for doc in rendered.of_kind("Deployment") + rendered.of_kind("StatefulSet") + rendered.of_kind("Job"):
        ports = {p["name"]: p["containerPort"] for c in pod_spec(doc)["containers"] for p in c.get("ports", [])}
        pods[component(doc)] = Pod(component(doc), doc["spec"]["template"]["metadata"]["labels"], ports=ports)
    return pods


def smtp_open_to_anyone(scenario: str) -> bool:
    """messaging's MSSanté listener admits any source when `mssante.listener.from` is empty: on
    that port the gate is the trust space's client certificate (STARTTLS), not the network."""
    values = yaml.safe_load((CHART / "ci" / f"{scenario}-values.yaml").read_text()) or {}
    return not (values.get("mssante") or {}).get("listener", {}).get("from")


def open_by_design(scenario: str, pod: Pod, port: int) -> bool:
    return pod.name == "messaging" and pod.ports.get("smtp") == port and smtp_open_to_anyone(scenario)


def declared_calls() -> dict[str, set[str]]:
    """Component -> the components it calls, as values.yaml declares them (defaults applied)."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    grpc = [n for n, e in values["services"].items() if e.get("protocol", values["defaults"]["protocol"]) == "grpc"]

    def calls(name: str, entry: dict) -> list[str]:
        if entry.get("callsEveryService"):
            return [n for n in grpc if n != name]
        return entry.get("calls", values["defaults"]["calls"])
    return {dns(name): {dns(c) for c in calls(name, entry)} for name, entry in values["services"].items()}


def dns(name: str) -> str:
    return name.replace("_", "-")


@pytest.fixture(params=SCENARIOS_WITH_POLICIES)
def cluster(request, rendered):
    r = rendered[request.param]
    return r.of_kind("NetworkPolicy"), pods_of(r), r


class TestReachability:
    def test_a_service_reaches_exactly_the_services_it_calls_and_on_their_serving_port_only(self, cluster):
        policies, pods, _ = cluster
        calls = declared_calls()
        services = [n for n in pods if n in calls]
        wrong = []
        for src in services:
            for dst in services:
                if src == dst:
                    continue
                for port_name, port in pods[dst].ports.items():
                    expected = dst in calls[src] and port_name in ("grpc", "http")
                    if allowed(policies, pods[src], pods[dst], port) != expected:
                        wrong.append(f"{src} -> {dst}:{port_name} should be {'open' if expected else 'closed'}")
        assert not wrong, "\n".join(wrong)

    def test_the_declared_graph_is_the_one_the_platform_needs(self):
        calls = declared_calls()
        assert calls["gateway"] == {dns(n) for n in grpc_services()}
        assert calls["audit"] == {"identity"}
        assert {"notifications", "audit"} <= calls["identity"], "login codes and notices; the holders' history"
        assert "identity" in calls["documents"] & calls["messaging"] & calls["agenda"] & calls["notifications"]
        assert {src for src, callees in calls.items() if "gateway" in callees} == {"portal"}, \
            "nothing inside calls the gateway but the portal, with the person's own tokens"
        assert calls["portal"] == {"gateway"}, "the portal holds no privilege: the public API only"

    def test_messaging_calls_what_its_messages_need_and_only_the_gateway_and_exports_call_it(self):
        calls = declared_calls()
        assert calls["messaging"] == {"identity", "documents", "audit", "notifications"}, \
            "access contexts, saving attachments into documents, the reads' records, the patient's notices"
        assert {src for src, callees in calls.items() if "messaging" in callees} == {"gateway", "exports"}

    def test_agenda_calls_what_its_calendar_needs_and_only_the_gateway_and_exports_call_it(self):
        calls = declared_calls()
        assert calls["agenda"] == {"identity", "audit", "notifications"}, \
            "access contexts, a delegate's records, the reminders' notices"
        assert {src for src, callees in calls.items() if "agenda" in callees} == {"gateway", "exports"}

    def test_exports_calls_every_holder_of_her_data_and_only_the_gateway_calls_it(self):
        calls = declared_calls()
        assert calls["exports"] == {"identity", "documents", "messaging", "agenda", "profile", "audit",
                                    "notifications"}, "each service's ExportSubjectData, the records, the notice"
        assert {src for src, callees in calls.items() if "exports" in callees} == {"gateway"}

    def test_no_other_pod_reaches_a_service(self, cluster):
        policies, pods, r = cluster
        strangers = [Pod("same-namespace", {"app": "other"}),
                     Pod("other-namespace", {"app": "other"}, namespace="elsewhere")]
        for stranger in strangers:
            for name, pod in pods.items():
                for port in pod.ports.values():
                    expected = open_by_design(r.scenario, pod, port)
                    assert allowed(policies, stranger, pod, port) == expected, f"{stranger.name} -> {name}:{port}"

    def test_only_the_ingress_controller_reaches_the_gateway_and_the_portal_and_only_prometheus_scrapes(self, cluster):
        policies, pods, r = cluster
        ingress = Pod("ingress-nginx", {"app": "ingress-nginx"}, namespace="ingress-nginx")
        prometheus = Pod("prometheus", {"app": "prometheus"}, namespace="monitoring")
        for name, pod in pods.items():
            for port_name, port in pod.ports.items():
                anyone = open_by_design(r.scenario, pod, port)
                exposed = name in ("gateway", "portal") and port_name == "http"
                assert allowed(policies, ingress, pod, port) == (exposed or anyone), name
                assert allowed(policies, prometheus, pod, port) == (port_name == "metrics" or anyone), name

    def test_the_mssante_listener_admits_its_declared_peers_only_and_messaging_alone_reaches_the_relay(self, rendered):
        """ha declares the operators' MTA namespace and the relay's address: exactly those flows."""
        policies, pods = rendered["ha"].of_kind("NetworkPolicy"), pods_of(rendered["ha"])
        mta = Pod("mta", {"app": "postfix"}, namespace="mssante-gateway")
        stranger = Pod("other-namespace", {"app": "other"}, namespace="elsewhere")
        smtp = pods["messaging"].ports["smtp"]
        assert allowed(policies, mta, pods["messaging"], smtp)
        assert not allowed(policies, stranger, pods["messaging"], smtp)
        assert not allowed(policies, mta, pods["messaging"], pods["messaging"].ports["grpc"])
        assert not any(allowed(policies, mta, pod, port) for name, pod in pods.items() if name != "messaging"
                       for port in pod.ports.values())
        relay = Pod("relay.mssante", {}, namespace="internet")
        values = yaml.safe_load((CHART / "values.yaml").read_text())
        reach = {name for name, pod in pods.items() if allowed(policies, pod, relay, values["mssante"]["relay"]["port"])}
        assert reach == {"messaging"}

    def test_migration_jobs_reach_nothing_of_the_release_but_postgresql(self, cluster):
        policies, pods, _ = cluster
        for job in (n for n in pods if n.endswith("-migrations")):
            for name, pod in pods.items():
                for port in pod.ports.values():
                    assert allowed(policies, pods[job], pod, port) == (name == "postgresql"), f"{job} -> {name}"

    def test_only_notifications_reaches_the_web_push_services(self, rendered):
        """With the trial's in-cluster MinIO, HTTPS to the internet is Web Push, and only for notifications."""
        policies, pods = rendered["trial"].of_kind("NetworkPolicy"), pods_of(rendered["trial"])
        push_service = Pod("fcm.googleapis.com", {}, namespace="internet")
        reach = {name for name, pod in pods.items() if allowed(policies, pod, push_service, 443)}
        assert reach == {"notifications"}

    def test_in_cluster_stores_admit_only_their_users(self, rendered):
        policies, pods = rendered["trial"].of_kind("NetworkPolicy"), pods_of(rendered["trial"])
        values = yaml.safe_load((CHART / "values.yaml").read_text())
        for store, need in (("postgresql", "postgresql"), ("minio", "s3")):
            port = next(iter(pods[store].ports.values()))
            users = {dns(n) for n, s in values["services"].items() if need in s.get("uses", values["defaults"]["uses"])}
            if store == "postgresql":
                users |= {f"{n}-migrations" for n in users}
            reach = {n for n in pods if n != store and allowed(policies, pods[n], pods[store], port)}
            assert reach == users, store

    def test_egress_to_dns_and_declared_dependencies_only(self, cluster):
        """Every egress rule of a service names DNS, a called service, or a declared store/collector port."""
        policies, _, _ = cluster
        chart_values = yaml.safe_load((CHART / "values.yaml").read_text())
        calls = declared_calls()
        for policy in policies:
            name = policy["metadata"]["labels"]["app.kubernetes.io/component"]
            if name not in calls:
                continue
            for rule in policy["spec"].get("egress", []):
                ports = {p["port"] for p in rule["ports"]}
                assert rule.get("ports"), f"{name}: an egress rule without ports"
                if ports == {53}:
                    continue
                to_pods = [p for p in rule.get("to", []) if "podSelector" in p and "namespaceSelector" not in p]
                if to_pods:
                    targets = {p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in to_pods}
                    assert targets <= calls[name] | {"postgresql", "minio"}
                    continue
                stores = {chart_values[k]["port"] for k in ("postgresql", "s3", "smtp", "push", "tracing")}
                stores.add(chart_values["mssante"]["relay"]["port"])
                assert ports <= stores, f"{name}: egress to {ports}"


    def test_the_load_kit_reaches_the_gateway_and_identity_only_and_only_notifications_mails_it(self, rendered):
        """ci/loadtest: the test Job drives the gateway's HTTP port and provisions through identity's
        gRPC port; its SMTP sink admits notifications alone."""
        policies, pods = rendered["loadtest"].of_kind("NetworkPolicy"), pods_of(rendered["loadtest"])
        kit = pods["loadtest"]
        reached = {f"{name}:{port_name}" for name, pod in pods.items() if name != "loadtest"
                   for port_name, port in pod.ports.items() if allowed(policies, kit, pod, port)}
        assert reached == {"gateway:http", "identity:grpc"}
        mailers = {name for name, pod in pods.items() if name != "loadtest"
                   and allowed(policies, pod, kit, kit.ports["smtp"])}
        assert mailers == {"notifications"}


def test_without_network_policies_nothing_is_rendered(rendered):
    assert not rendered["no-networkpolicy"].of_kind("NetworkPolicy")
