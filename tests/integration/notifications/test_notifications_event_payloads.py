"""PublishEvent holds each event type to the payload meskit.events defines for it."""
from __future__ import annotations

import json

from mes.notifications.v1 import notifications_pb2 as pb

from devtools.rpc_errors import error_details, error_of


def refused(h, event_type: str, payload: dict, producer: str = "documents"):
    error = error_of(lambda: h.stub.PublishEvent(pb.PublishEventRequest(
        event_id="e-bad", event_type=event_type, patient_id="p1", payload_json=json.dumps(payload)),
        metadata=h.service(producer)))
    return error.code().name, error_details(error)[0]


class TestPayloads:
    def test_a_mistyped_or_unknown_field_is_named(self, notifications):
        assert refused(notifications, "AJOUT_DOCUMENT", {"actor_display": 3, "diagnosis": "x"}) == (
            "INVALID_ARGUMENT", {"payload_json.actor_display", "payload_json.diagnosis"})

    def test_a_missing_field_is_named(self, notifications):
        assert refused(notifications, "ACCES_DMP_PS", {"professional_id": "pro-1"}) == (
            "INVALID_ARGUMENT", {"payload_json.actor_display"})

    def test_an_account_event_without_its_recipient_is_refused(self, notifications):
        assert refused(notifications, "CONTACT_CHANGED", {}, producer="identity") == (
            "INVALID_ARGUMENT", {"recipient"})

    def test_a_refused_event_leaves_nothing_behind(self, notifications):
        h = notifications
        refused(h, "AJOUT_DOCUMENT", {"actor_display": 3})
        h.person("p1")
        assert list(h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="p1"),
                                             metadata=h.patient("p1")).notifications) == []
