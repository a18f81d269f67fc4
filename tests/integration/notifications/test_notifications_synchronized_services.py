"""The 90-day list of the apps connected to a holder's space (SERVICES_SYNCHRONISES, DOMAIN §8, §9):
from identity only, to the holder alone, by email, with the apps' names; switched off with her
NOTIF_SYNCHRONIZED_SERVICE preference."""
from __future__ import annotations

from datetime import datetime, timezone

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

from meskit import events

SERVICES_LIST = events.to_json(events.SynchronizedServices(
    app_names="GlycoSuivi, TensioFacile", as_of=datetime(2026, 12, 1, 6, tzinfo=timezone.utc)))


def publish_list(h, patient_id: str = "holder", producer: str = "identity"):
    return h.publish(patient_id, events.SERVICES_SYNCHRONISES, producer=producer, payload=SERVICES_LIST)


def settled(statuses) -> bool:
    return bool(statuses) and all(s.state not in (pb.DELIVERY_STATE_PENDING, pb.DELIVERY_STATE_RETRYING)
                                  for s in statuses)


class TestSynchronizedServices:
    def test_the_holder_alone_is_emailed_the_names_of_her_apps(self, notifications):
        h = notifications
        h.person("helper", email="helper@example.test", given_name="Paul")
        h.person("holder", email="jeanne@example.test", given_name="Jeanne", caregiver_ids=["helper"])
        event_id, _ = publish_list(h)
        statuses = h.wait_statuses(event_id, settled)
        assert [(s.recipient_id, s.channel, s.state) for s in statuses] == [
            ("holder", pb.CHANNEL_EMAIL, pb.DELIVERY_STATE_SENT)]
        (mail,) = h.wait_mails(1)
        assert (mail["To"], mail["Subject"]) == ("jeanne@example.test", "Vos services synchronisés")
        text = " ".join(mail.get_body(("plain",)).get_content().split())
        assert "Les services connectés à votre profil : GlycoSuivi, TensioFacile. Vous pouvez les gérer dans " \
               "Paramètres." in text
        assert "01/12/2026" in text
        assert mail["List-Unsubscribe"] is not None        # a notice she may switch off
        assert h.mails(to="helper@example.test") == []
        bell = h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="holder"), metadata=h.patient("holder"))
        assert list(bell.notifications) == []

    def test_nothing_is_sent_once_she_turned_it_off(self, notifications):
        h = notifications
        h.person("holder", email="jeanne@example.test")
        h.stub.UpdatePreferences(pb.UpdatePreferencesRequest(account_id="holder", preferences=pb.Preferences(
            message=True, document=True, appointment=True, synchronized_service=False, screening=True)),
            metadata=h.patient("holder"))
        event_id, _ = publish_list(h)
        assert [(s.state, s.last_error) for s in h.statuses(event_id)] == [
            (pb.DELIVERY_STATE_SKIPPED, "préférence désactivée")]
        h.publish("holder")                               # a notice she did not turn off still goes
        assert [m["Subject"] for m in h.wait_mails(1)] == ["Nouveau document"]

    def test_only_identity_publishes_it(self, notifications):
        h = notifications
        h.person("holder", email="jeanne@example.test")
        with pytest.raises(grpc.RpcError) as refused:
            publish_list(h, producer="documents")
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
