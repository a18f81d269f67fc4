"""Honest health on a real server: NOT_SERVING until ready, and from the moment it stops."""
from __future__ import annotations

import threading

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools.eventually import eventually
from meskit.server import watch_readiness

SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
IDENTITY = "mes.identity.v1.IdentityService"


def check(stub, service: str = IDENTITY) -> int:
    return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2).status


def counted(check):
    """`check`, and the list its calls are counted in: a readiness watcher has run once it is called."""
    calls = []

    def counting():
        calls.append(1)
        return check()
    return counting, calls


@pytest.fixture
def health(serve, channel_to):
    kit = serve({})
    return kit, health_pb2_grpc.HealthStub(channel_to(kit))


class TestReadiness:
    def test_not_serving_until_the_readiness_check_passes(self, health):
        kit, stub = health
        ready = threading.Event()
        is_ready, calls = counted(ready.is_set)
        watch_readiness(kit, is_ready, interval=0.05)
        eventually(lambda: len(calls) >= 2, what="the readiness check run twice")
        assert check(stub) == NOT_SERVING
        ready.set()
        eventually(lambda: check(stub) == SERVING)

    def test_back_to_not_serving_when_the_dependency_goes_away(self, health):
        kit, stub = health
        ready = threading.Event()
        ready.set()
        watch_readiness(kit, ready.is_set, interval=0.05)
        eventually(lambda: check(stub) == SERVING)
        ready.clear()
        eventually(lambda: check(stub) == NOT_SERVING)

    def test_liveness_stays_serving_while_the_dependency_is_away(self, health):
        """The overall status is liveness: a database outage must not get the pod restarted."""
        kit, stub = health
        never, calls = counted(lambda: False)
        watch_readiness(kit, never, interval=0.05)
        eventually(lambda: len(calls) >= 2, what="the readiness check run twice")
        assert (check(stub, ""), check(stub)) == (SERVING, NOT_SERVING)

    def test_a_readiness_check_that_raises_means_not_ready(self, health):
        kit, stub = health
        calls = []

        def broken():
            calls.append(1)
            raise ConnectionError("database unreachable")
        watch_readiness(kit, broken, interval=0.05)
        eventually(lambda: len(calls) >= 3)
        assert check(stub) == NOT_SERVING

    def test_unknown_service_is_not_found(self, health):
        _kit, stub = health
        with pytest.raises(grpc.RpcError) as info:
            check(stub, "mes.nothing.v1.Nothing")
        assert info.value.code() == grpc.StatusCode.NOT_FOUND


class TestStop:
    def test_watchers_see_not_serving_before_the_server_goes_away(self, health):
        kit, stub = health
        kit.set_serving(True)
        updates = stub.Watch(health_pb2.HealthCheckRequest(service=IDENTITY), timeout=5)
        assert next(updates).status == SERVING
        stopping = threading.Thread(target=kit.stop, args=(0.3,))
        stopping.start()
        assert next(updates).status == NOT_SERVING
        with pytest.raises(grpc.RpcError):  # then the stream ends with the server
            list(updates)
        stopping.join(5)
        assert kit.stopped.is_set()

    def test_stays_not_serving_during_the_grace_period_even_if_ready_again(self, health):
        kit, stub = health
        ready = threading.Event()
        watch_readiness(kit, ready.is_set, interval=0.05)
        updates = stub.Watch(health_pb2.HealthCheckRequest(service=IDENTITY), timeout=5)
        liveness = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert next(updates).status == NOT_SERVING and next(liveness).status == SERVING
        stopping = threading.Thread(target=kit.stop, args=(0.6,))
        stopping.start()
        assert next(liveness).status == NOT_SERVING          # the drain has begun
        ready.set()  # the database answers again while the server drains
        seen = []
        with pytest.raises(grpc.RpcError):
            for update in updates:
                seen.append(update.status)
        stopping.join(5)
        assert SERVING not in seen
