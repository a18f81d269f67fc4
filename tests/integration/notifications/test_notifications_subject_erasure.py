"""identity erases a deleted space's notices (mes.lifecycle.v1 EraseSubjectData, identity's token
only): her bell, snapshot, preferences, push subscriptions, events and deliveries gone, reported by
kind; called again it reports zeros; someone else's notices untouched."""
from __future__ import annotations

import uuid

import grpc
import pytest
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as pb

from devtools.eventually import eventually


def erase(h, account_id: str, caller: str = "identity", erasure_id: str = "") -> dict[str, int]:
    stub = lifecycle_pb2_grpc.SubjectDataServiceStub(grpc.insecure_channel(h.address))
    reply = stub.EraseSubjectData(lpb.EraseSubjectDataRequest(account_id=account_id,
                                                             erasure_id=erasure_id or str(uuid.uuid4())),
                                  metadata=h.service(caller), timeout=10)
    assert reply.service == "notifications"
    return {e.kind: e.count for e in reply.erased}


def bell(h, profile_id: str) -> list:
    return list(h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id=profile_id),
                                         metadata=h.patient(profile_id)).notifications)


def noticed(h, push_endpoint) -> str:
    account_id = str(uuid.uuid4())
    h.person(account_id, email=f"{account_id[:8]}@example.test", activated=True)
    h.stub.UpdatePreferences(pb.UpdatePreferencesRequest(account_id=account_id, preferences=pb.Preferences(
        message=True, document=False, appointment=True, synchronized_service=True, screening=True)),
        metadata=h.patient(account_id))
    subscription = push_endpoint.subscribe()
    h.stub.RegisterPushDevice(pb.RegisterPushDeviceRequest(
        account_id=account_id, endpoint=subscription.endpoint, p256dh=subscription.p256dh,
        auth=subscription.auth_b64, platform="WEB"), metadata=h.patient(account_id))
    h.publish(account_id)
    eventually(lambda: bell(h, account_id) or None, what="the notice in her bell")
    return account_id


def test_her_notices_are_erased_and_a_second_call_erases_nothing(notifications, push_endpoint):
    h = notifications
    her, other = noticed(h, push_endpoint), noticed(h, push_endpoint)
    counts = erase(h, her)
    assert counts["bell_items"] >= 1 and counts["snapshots"] == 1 and counts["push_subscriptions"] == 1
    assert counts["preferences"] == 1 and counts["events"] >= 2 and counts["deliveries"] >= 1
    assert bell(h, her) == []
    with pytest.raises(grpc.RpcError) as unknown:
        h.stub.GetRecipient(pb.GetRecipientRequest(account_id=her), metadata=h.operator())
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert h.stub.ListRecipientDeliveries(pb.ListRecipientDeliveriesRequest(recipient_id=her),
                                          metadata=h.operator()).deliveries == []
    assert set(erase(h, her).values()) == {0}
    assert bell(h, other)
    assert h.stub.GetRecipient(pb.GetRecipientRequest(account_id=other), metadata=h.operator()).activated


@pytest.mark.parametrize("caller", ["documents", "exports", "messaging"])
def test_only_identity_erases(notifications, push_endpoint, caller):
    h = notifications
    her = noticed(h, push_endpoint)
    with pytest.raises(grpc.RpcError) as refused:
        erase(h, her, caller)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert bell(h, her)


def test_a_malformed_id_is_refused(notifications):
    with pytest.raises(grpc.RpcError) as refused:
        erase(notifications, "p1")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
