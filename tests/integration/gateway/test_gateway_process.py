"""`python -m gateway` as a process: port 0 announced, metrics served, SIGTERM drains and exits 0."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from devtools.eventually import eventually

ROOT = Path(__file__).parents[3]


def refused(base: str) -> bool:
    """The gateway accepts no new connection: refused, or reset when its listening socket closed
    with this one still waiting in the backlog (never accepted, never answered)."""
    try:
        httpx.get(base + "/healthz", timeout=5)
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
        return True
    return False


@pytest.fixture
def process(upstream):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "services/gateway")),
           "IDENTITY_ADDR": upstream, "NOTIFICATIONS_ADDR": upstream, "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "0",
           "METRICS_PORT": "0", "LOG_LEVEL": "INFO"}
    child = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in child.stderr:
        lines.append(line)
        record = json.loads(line)
        if record["message"] == "serving":
            break
    else:
        pytest.fail("no serving line:\n" + "".join(lines))
    child.record, child.lines = record, lines
    yield child
    if child.poll() is None:
        child.kill()
        child.wait()


class TestProcess:
    def test_announces_the_port_it_bound(self, process):
        assert httpx.get(f"http://127.0.0.1:{process.record['port']}/healthz").status_code == 200

    def test_serves_metrics_by_route_template(self, process, token):
        base = f"http://127.0.0.1:{process.record['port']}"
        httpx.get(base + "/v1/accounts/acc-1", headers={"Authorization": f"Bearer {token}"})
        metrics = httpx.get(f"http://127.0.0.1:{process.record['metrics_port']}/metrics").text
        assert 'mes_http_requests_total{method="GET",route="/v1/accounts/{account_id}",status="200"} 1.0' in metrics
        assert "mes_http_request_duration_seconds_bucket" in metrics

    def test_sigterm_finishes_in_flight_requests_then_exits_0(self, process, token, calls):
        base = f"http://127.0.0.1:{process.record['port']}"
        answers = []
        calls.slow_entered.clear()
        calls.slow_release.clear()
        slow = threading.Thread(target=lambda: answers.append(
            httpx.get(base + "/v1/accounts/slow", headers={"Authorization": f"Bearer {token}"}, timeout=60)))
        slow.start()
        try:
            assert calls.slow_entered.wait(30)   # the call is now inside the service
            process.send_signal(signal.SIGTERM)
            eventually(lambda: refused(base), timeout=30, what="the gateway to stop accepting connections")
        finally:
            calls.slow_release.set()
        slow.join(60)
        assert answers and answers[0].status_code == 200
        assert process.wait(30) == 0
        rest = process.stderr.read()
        assert '"message": "stopped"' in rest and token not in rest and token not in "".join(process.lines)
