"""Web Push end to end: VAPID-signed, aes128gcm-encrypted, decrypted by a local push endpoint;
expired subscriptions dropped; temporary failures retried."""
from __future__ import annotations

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

SENT = pb.DELIVERY_STATE_SENT


def register(h, account_id, subscription, platform="WEB"):
    return h.stub.RegisterPushDevice(pb.RegisterPushDeviceRequest(
        account_id=account_id, endpoint=subscription.endpoint, p256dh=subscription.p256dh,
        auth=subscription.auth_b64, platform=platform), metadata=h.patient(account_id))


def push_statuses(h, event_id):
    return [s for s in h.statuses(event_id) if s.channel == pb.CHANNEL_PUSH]


def wait_push(h, event_id, state):
    h.wait_statuses(event_id, lambda found: any(s.channel == pb.CHANNEL_PUSH and s.state == state for s in found))
    return push_statuses(h, event_id)


class TestWebPush:
    def test_the_endpoint_decrypts_a_signed_notice(self, notifications, push_endpoint):
        h = notifications
        push_endpoint.vapid_public_key = h.stub.GetPushConfig(pb.GetPushConfigRequest(),
                                                              metadata=h.patient("p1")).vapid_public_key
        h.person("p1", given_name="Jeanne", family_name="Martin", activated=True)
        subscription = push_endpoint.subscribe()
        device = register(h, "p1", subscription)
        assert device.platform == "WEB" and device.endpoint == subscription.endpoint
        event_id, _ = h.publish("p1", payload={"actor_display": "Dr Claire Bernard"})
        (received,) = push_endpoint.wait(1)
        assert push_endpoint.failures == []
        assert received.sub_id == subscription.sub_id
        assert received.payload["title"] == "Nouveau document"
        assert received.payload["body"] == "Un nouveau document a été ajouté au profil de Jeanne Martin par Dr Claire Bernard."
        assert received.payload["profile_id"] == "p1" and received.payload["event_type"] == "AJOUT_DOCUMENT"
        assert received.vapid_claims["aud"] == push_endpoint.origin
        assert received.vapid_claims["sub"].startswith("mailto:")
        assert int(received.headers["ttl"]) > 0 and received.headers["urgency"] == "normal"
        assert len(received.headers["topic"]) <= 32
        (status,) = wait_push(h, event_id, SENT)
        assert status.target == device.device_id and received.payload["notification_id"] == status.notification_id

    def test_every_device_of_the_person_gets_it_critical_ones_urgently(self, notifications, push_endpoint):
        h = notifications
        h.person("p1", activated=True)
        phone, laptop = push_endpoint.subscribe(), push_endpoint.subscribe()
        register(h, "p1", phone, "ANDROID")
        register(h, "p1", laptop)
        h.publish("p1", "ACCES_BRIS_GLACE", producer="audit")
        received = push_endpoint.wait(2)
        assert sorted(r.sub_id for r in received) == sorted([phone.sub_id, laptop.sub_id])
        assert {r.headers["urgency"] for r in received} == {"high"}

    def test_an_expired_subscription_is_dropped(self, notifications, push_endpoint):
        h = notifications
        h.person("p1", activated=True)
        subscription = push_endpoint.subscribe()
        register(h, "p1", subscription)
        subscription.gone = True
        event_id, _ = h.publish("p1")
        skipped = wait_push(h, event_id, pb.DELIVERY_STATE_SKIPPED)
        assert [s.state for s in skipped] == [pb.DELIVERY_STATE_SKIPPED] and "410" in skipped[0].last_error
        later, _ = h.publish("p1")
        assert push_statuses(h, later) == []           # no device left

    def test_a_push_service_unavailable_for_a_moment_is_retried(self, notifications, push_endpoint):
        h = notifications
        h.person("p1", activated=True)
        register(h, "p1", push_endpoint.subscribe())
        push_endpoint.unavailable = 2
        event_id, _ = h.publish("p1")
        assert len(push_endpoint.wait(1)) == 1
        (status,) = wait_push(h, event_id, SENT)
        assert status.state == SENT and status.attempts == 3

    def test_no_push_before_activation(self, notifications, push_endpoint):
        h = notifications
        h.person("p1", activated=False, email="jeanne@example.test")
        register(h, "p1", push_endpoint.subscribe())
        event_id, _ = h.publish("p1")
        assert [s.channel for s in h.statuses(event_id)] == [pb.CHANNEL_EMAIL]


class TestDevices:
    def test_only_known_push_services_and_well_formed_keys_are_accepted(self, notifications, push_endpoint):
        h = notifications
        good = push_endpoint.subscribe()
        cases = [dict(endpoint="http://169.254.169.254/latest/meta-data", p256dh=good.p256dh, auth=good.auth_b64),
                 dict(endpoint="file:///etc/passwd", p256dh=good.p256dh, auth=good.auth_b64),
                 dict(endpoint=good.endpoint, p256dh="AAAA", auth=good.auth_b64),
                 dict(endpoint=good.endpoint, p256dh=good.p256dh, auth="short")]
        for case in cases:
            with pytest.raises(grpc.RpcError) as refused:
                h.stub.RegisterPushDevice(pb.RegisterPushDeviceRequest(account_id="p1", **case),
                                          metadata=h.patient("p1"))
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, case

    def test_a_device_belongs_to_its_account(self, notifications, push_endpoint):
        h = notifications
        subscription = push_endpoint.subscribe()
        with pytest.raises(grpc.RpcError) as denied:
            h.stub.RegisterPushDevice(pb.RegisterPushDeviceRequest(
                account_id="p2", endpoint=subscription.endpoint, p256dh=subscription.p256dh,
                auth=subscription.auth_b64), metadata=h.patient("p1"))
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        device = register(h, "p1", subscription)
        again = register(h, "p1", subscription)        # the same subscription twice is one device
        assert again.device_id == device.device_id
        h.stub.UnregisterPushDevice(pb.UnregisterPushDeviceRequest(account_id="p1", device_id=device.device_id),
                                    metadata=h.patient("p1"))
        h.person("p1", activated=True)
        event_id, _ = h.publish("p1")
        assert push_statuses(h, event_id) == []
