"""The bell: stored per profile, counts per profile for parents and caregivers, read / unread /
all read / delete, a live stream; events are idempotent on their id."""
from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

from devtools.eventually import eventually
from devtools.rpc_errors import answer_of, error_details
from notifications.domain.bell import NOT_YOURS


def bell(h, profile_id, viewer=None, **kw):
    return list(h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id=profile_id, **kw),
                                         metadata=h.patient(viewer or profile_id)).notifications)


def counts(h, viewer):
    return {c.profile_id: (c.unread, c.relation, c.given_name)
            for c in h.stub.GetUnreadCounts(pb.GetUnreadCountsRequest(), metadata=h.patient(viewer)).counts}


class TestPublishEvent:
    def test_a_deposited_document_becomes_a_bell_item_of_that_profile(self, notifications):
        h = notifications
        h.person("p1", given_name="Jeanne", family_name="Martin")
        h.publish("p1", payload={"actor_display": "Dr Claire Bernard"})
        (item,) = bell(h, "p1")
        assert item.event_type == "AJOUT_DOCUMENT" and item.title == "Nouveau document" and not item.read
        assert "Jeanne Martin" in item.body and "Dr Claire Bernard" in item.body

    def test_a_redelivered_event_changes_nothing(self, notifications):
        h = notifications
        h.person("p1", email="jeanne@example.test")
        event_id, first = h.publish("p1")
        _, again = h.publish("p1", event_id=event_id)
        assert not first.duplicate and again.duplicate
        assert len(bell(h, "p1")) == 1
        assert len(h.statuses(event_id)) == 1

    def test_only_services_publish_and_only_identity_sends_contact_details(self, notifications):
        h = notifications
        with pytest.raises(grpc.RpcError) as patient:
            h.stub.PublishEvent(pb.PublishEventRequest(event_id="e1", event_type="AJOUT_DOCUMENT", patient_id="p1"),
                                metadata=h.patient("p1"))
        assert patient.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as forged:
            h.stub.PublishEvent(pb.PublishEventRequest(
                event_id="e2", event_type="AJOUT_DOCUMENT", patient_id="p1",
                recipient=pb.Recipient(account_id="p1", email="attacker@example.test")), metadata=h.service("documents"))
        assert forged.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as account:
            h.publish("p1", "CONTACT_CHANGED", producer="documents")
        assert account.value.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_unknown_event_types_and_bad_payloads_are_refused(self, notifications):
        h = notifications
        with pytest.raises(grpc.RpcError) as unknown:
            h.publish("p1", "NOT_A_TYPE")
        assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError) as bad:
            h.stub.PublishEvent(pb.PublishEventRequest(event_id="e3", event_type="AJOUT_DOCUMENT", patient_id="p1",
                                                       payload_json="[1]"), metadata=h.service())
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


class TestCountsPerProfile:
    def test_a_parent_sees_each_profile_and_a_caregiver_the_person_helped(self, notifications):
        h = notifications
        h.person("mother", given_name="Sophie", email="sophie@example.test", activated=True)
        h.person("child", given_name="Léo", minor=True, legal_representative_ids=["mother"])
        h.person("grandma", given_name="Jeanne", caregiver_ids=["mother"])
        h.publish("mother")
        h.publish("child")
        h.publish("child", "RAPPEL_RDV_PREV_VACC", producer="agenda")
        h.publish("grandma", "ACCES_DMP_PS", producer="audit")
        assert counts(h, "mother") == {"mother": (1, "SELF", "Sophie"), "child": (2, "LEGAL_REPRESENTATIVE", "Léo"),
                                       "grandma": (1, "CAREGIVER", "Jeanne")}
        assert counts(h, "grandma") == {"grandma": (1, "SELF", "Jeanne")}
        assert len(bell(h, "child", viewer="mother")) == 2

    def test_nobody_reads_a_profile_they_are_not_linked_to(self, notifications):
        h = notifications
        h.person("p1")
        h.publish("p1")
        with pytest.raises(grpc.RpcError) as denied:
            bell(h, "p1", viewer="stranger")
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_a_delegate_token_reads_the_profile_it_acts_for(self, notifications):
        h = notifications
        h.person("p1")
        h.publish("p1")
        items = h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="p1"),
                                         metadata=h.as_("delegate", "helper", on_behalf_of="p1")).notifications
        assert len(items) == 1

    def test_a_childs_notices_reach_the_parent_by_email_not_the_child(self, notifications):
        h = notifications
        h.person("mother", given_name="Sophie", email="sophie@example.test", activated=True)
        h.person("child", given_name="Léo", minor=True, legal_representative_ids=["mother"])
        event_id, _ = h.publish("child")
        statuses = h.wait_statuses(event_id, lambda s: s and all(x.state == pb.DELIVERY_STATE_SENT for x in s))
        assert [(s.recipient_id, s.channel) for s in statuses] == [("mother", pb.CHANNEL_EMAIL)]
        (mail,) = h.wait_mails(1, to="sophie@example.test")
        assert "Léo Martin" in mail.get_body(("plain",)).get_content()

    @pytest.mark.parametrize("days_to_majority, told", [(1, "mother"), (0, "daughter"), (-400, "daughter")])
    def test_from_her_18th_birthday_a_daughter_is_told_herself_and_her_mother_no_longer_sees_her_notices(
            self, notifications, days_to_majority, told):
        h = notifications
        h.person("mother", given_name="Sophie", email="sophie@example.test", activated=True)
        h.person("daughter", given_name="Léa", email="lea@example.test", minor=True, legal_representative_ids=["mother"],
                 adult_on=(date.today() + timedelta(days=days_to_majority)).isoformat())
        event_id, _ = h.publish("daughter")
        statuses = h.wait_statuses(event_id, lambda s: s and all(x.state == pb.DELIVERY_STATE_SENT for x in s))
        assert [(s.recipient_id, s.channel) for s in statuses] == [(told, pb.CHANNEL_EMAIL)]
        assert ("daughter" in counts(h, "mother")) == (told == "mother")
        if told == "daughter":
            with pytest.raises(grpc.RpcError) as refused:
                h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="daughter"), metadata=h.patient("mother"))
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_a_malformed_majority_date_is_refused(self, notifications):
        h = notifications
        with pytest.raises(grpc.RpcError) as refused:
            h.person("daughter", minor=True, adult_on="18/03/2031")
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(refused.value)[0] == {"recipient.adult_on"}


class TestReadState:
    def test_mark_read_unread_all_read_and_delete(self, notifications):
        h = notifications
        h.person("p1")
        for _ in range(3):
            h.publish("p1")
        first, second, third = bell(h, "p1")
        me = h.patient("p1")
        assert h.stub.MarkNotification(pb.MarkNotificationRequest(notification_id=first.notification_id, read=True),
                                       metadata=me).read
        assert counts(h, "p1")["p1"][0] == 2
        h.stub.MarkNotification(pb.MarkNotificationRequest(notification_id=first.notification_id, read=False),
                                metadata=me)
        assert [n.notification_id for n in bell(h, "p1", unread_only=True)] == [
            first.notification_id, second.notification_id, third.notification_id]
        h.stub.DeleteNotification(pb.DeleteNotificationRequest(notification_id=second.notification_id), metadata=me)
        assert [n.notification_id for n in bell(h, "p1")] == [first.notification_id, third.notification_id]
        assert h.stub.MarkAllRead(pb.MarkAllReadRequest(profile_id="p1"), metadata=me).updated == 2
        assert counts(h, "p1")["p1"][0] == 0

    def test_someone_else_cannot_mark_or_delete(self, notifications):
        """...and learns nothing: another's item is answered byte for byte as a missing one."""
        h = notifications
        h.person("p1")
        h.publish("p1")
        (item,) = bell(h, "p1")
        missing = str(uuid.uuid4())
        for caller in (h.patient("p2"), h.as_("professional", "pro-1", profession_code="10")):
            for ask in (lambda n: h.stub.MarkNotification(pb.MarkNotificationRequest(notification_id=n, read=True),
                                                          metadata=caller),
                        lambda n: h.stub.DeleteNotification(pb.DeleteNotificationRequest(notification_id=n),
                                                            metadata=caller)):
                theirs, none = answer_of(lambda: ask(item.notification_id)), answer_of(lambda: ask(missing))
                assert theirs == none
                assert theirs[:2] in ((grpc.StatusCode.NOT_FOUND, "Notification introuvable"),
                                      (grpc.StatusCode.PERMISSION_DENIED, NOT_YOURS))
        assert not bell(h, "p1")[0].read and len(bell(h, "p1")) == 1

    def test_pages_newest_first(self, notifications):
        h = notifications
        h.person("p1")
        for _ in range(5):
            h.publish("p1")
        me = h.patient("p1")
        page = h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="p1", page_size=2), metadata=me)
        seen = [n.notification_id for n in page.notifications]
        while page.next_page_token:
            page = h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id="p1", page_size=2,
                                                                        page_token=page.next_page_token), metadata=me)
            seen += [n.notification_id for n in page.notifications]
        assert seen == [n.notification_id for n in bell(h, "p1")] and len(set(seen)) == 5


PRIMER = "RAPPEL_AGENDA"        # the items that show a stream is live; the tests publish other types


def watching(h, request: pb.WatchNotificationsRequest, viewer: str, profile: str):
    """A watch stream read in a thread, and a function giving what it received, once the stream is
    live: the server shows the items created after its watch started, which a client cannot see
    happen, so PRIMER items for `profile` are published until one comes through (they are left out)."""
    stream = h.stub.WatchNotifications(request, metadata=h.patient(viewer), timeout=60)
    received: list[pb.Notification] = []

    def read():
        try:
            for item in stream:
                received.append(item)
        except grpc.RpcError:
            pass
    threading.Thread(target=read, daemon=True).start()

    def primed():
        h.publish(profile, PRIMER, producer="agenda")
        return received
    eventually(primed, timeout=20, interval=0.5, what="the watch stream live")
    return stream, lambda: [item for item in received if item.event_type != PRIMER]


class TestStream:
    def test_new_items_arrive_as_they_are_made(self, notifications):
        h = notifications
        h.person("mother")
        h.person("child", minor=True, legal_representative_ids=["mother"])
        stream, received = watching(h, pb.WatchNotificationsRequest(), "mother", "mother")
        for count, profile in enumerate(("mother", "child", "mother"), start=1):
            h.publish(profile)
            eventually(lambda: len(received()) >= count, what=f"item {count} streamed")
        stream.cancel()
        assert [item.profile_id for item in received()] == ["mother", "child", "mother"]

    def test_a_stream_of_one_profile_only_gets_that_profile(self, notifications):
        h = notifications
        h.person("mother")
        h.person("child", minor=True, legal_representative_ids=["mother"])
        stream, received = watching(h, pb.WatchNotificationsRequest(profile_id="child"), "mother", "child")
        h.publish("mother")
        h.publish("child")
        eventually(received, what="the child's item streamed")
        stream.cancel()
        assert [item.profile_id for item in received()] == ["child"]

    def test_a_stream_of_someone_elses_profile_is_refused(self, notifications):
        h = notifications
        stream = h.stub.WatchNotifications(pb.WatchNotificationsRequest(profile_id="p2"), metadata=h.patient("p1"))
        with pytest.raises(grpc.RpcError) as denied:
            next(stream)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
