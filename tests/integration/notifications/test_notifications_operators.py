"""What operators and support see of one person: every delivery planned for her, by event type, in pages."""
from __future__ import annotations

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

from devtools.rpc_errors import error_of


def listed(h, recipient_id: str, metadata=None, **fields) -> pb.ListRecipientDeliveriesResponse:
    return h.stub.ListRecipientDeliveries(pb.ListRecipientDeliveriesRequest(recipient_id=recipient_id, **fields),
                                          metadata=metadata or h.operator())


class TestRecipientDeliveries:
    def test_every_delivery_of_one_person_oldest_first_of_one_type_or_all(self, notifications):
        h = notifications
        h.person("p1", email="p1@example.test")
        h.person("p2", email="p2@example.test")
        first, _ = h.publish("p1")
        access, _ = h.publish("p1", "ACCES_DMP_PS", producer="audit")
        h.publish("p2")
        found = listed(h, "p1").deliveries
        assert [(d.event_id, d.event_type, d.status.channel, d.status.recipient_id) for d in found] == [
            (first, "AJOUT_DOCUMENT", pb.CHANNEL_EMAIL, "p1"), (access, "ACCES_DMP_PS", pb.CHANNEL_EMAIL, "p1")]
        assert [d.status.delivery_id for d in found] == [s.delivery_id for e in (first, access) for s in h.statuses(e)]
        (only,) = listed(h, "p1", event_type="ACCES_DMP_PS").deliveries
        assert only.event_id == access
        assert not listed(h, "nobody").deliveries

    def test_pages(self, notifications):
        h = notifications
        h.person("p1", email="p1@example.test")
        events = [h.publish("p1")[0] for _ in range(5)]
        page = listed(h, "p1", page_size=2)
        seen = [d.event_id for d in page.deliveries]
        while page.next_page_token:
            page = listed(h, "p1", page_size=2, page_token=page.next_page_token)
            assert len(page.deliveries) <= 2
            seen += [d.event_id for d in page.deliveries]
        assert seen == events

    def test_support_may_list_a_person_may_not(self, notifications):
        h = notifications
        assert listed(h, "p1", metadata=h.as_("support", "agent-1")).deliveries == []
        error = error_of(lambda: listed(h, "p1", metadata=h.patient("p1")))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    @pytest.mark.parametrize("fields", [{"recipient_id": ""}, {"recipient_id": "p1", "page_token": "pas-un-jeton"}])
    def test_bad_requests(self, notifications, fields):
        h = notifications
        error = error_of(lambda: h.stub.ListRecipientDeliveries(pb.ListRecipientDeliveriesRequest(**fields),
                                                                metadata=h.operator()))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_dead_letters_page_token_is_read_as_a_time_and_a_delivery_id(notifications):
    h = notifications
    token = "2026-01-01T00:00:00+00:00|00000000-0000-0000-0000-000000000000"
    reply = h.stub.ListDeadLetters(pb.ListDeadLettersRequest(page_token=token), metadata=h.operator())
    assert list(reply.dead_letters) == [] and reply.next_page_token == ""


class TestRecipient:
    def test_what_routes_her_notices_and_the_address_the_mail_server_refused(self, notifications):
        h = notifications
        h.smtp.handler.refuse.add("gone@example.test")
        h.person("p1", email="gone@example.test", postal_address="1 rue A\n75001 Paris", activated=True)
        known = h.stub.GetRecipient(pb.GetRecipientRequest(account_id="p1"), metadata=h.operator())
        assert (known.account_id, known.activated, known.email, known.email_bad, known.postal_address) == (
            "p1", True, "gone@example.test", False, "1 rue A\n75001 Paris")
        event_id, _ = h.publish("p1")
        h.wait_statuses(event_id, lambda s: any(x.channel == pb.CHANNEL_POSTAL for x in s))
        assert h.stub.GetRecipient(pb.GetRecipientRequest(account_id="p1"), metadata=h.operator()).email_bad

    def test_unknown_until_identity_s_snapshot_and_for_operators_and_support_only(self, notifications):
        h = notifications
        error = error_of(lambda: h.stub.GetRecipient(pb.GetRecipientRequest(account_id="p1"), metadata=h.operator()))
        assert error.code() == grpc.StatusCode.NOT_FOUND
        h.person("p1")
        assert not h.stub.GetRecipient(pb.GetRecipientRequest(account_id="p1"),
                                       metadata=h.as_("support", "agent-1")).activated
        for metadata, code in ((h.patient("p1"), grpc.StatusCode.PERMISSION_DENIED),
                               (h.operator(), grpc.StatusCode.INVALID_ARGUMENT)):
            account_id = "p1" if code == grpc.StatusCode.PERMISSION_DENIED else ""
            error = error_of(lambda: h.stub.GetRecipient(pb.GetRecipientRequest(account_id=account_id),
                                                         metadata=metadata))
            assert error.code() == code
