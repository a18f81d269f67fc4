"""Minor's secrecy (DOMAIN.md §10.4): a notice about a document hidden from a minor's legal
representatives never reaches them nor her caregivers, on any channel: not in their bell list,
counts or stream, not by id, not by email, push or letter. It goes to the minor herself, and only
when she has her own access; otherwise to nobody."""
from __future__ import annotations

import threading
import uuid

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb

from devtools.eventually import eventually
from devtools.print_files import run_batch

ADDRESS = "3 place du Marché\n69002 Lyon"
HIDDEN = {"hidden_from_legal_representatives": True}
DONE = (pb.DELIVERY_STATE_SENT, pb.DELIVERY_STATE_SKIPPED, pb.DELIVERY_STATE_DEAD)


def bell(h, profile_id, metadata):
    return list(h.stub.ListNotifications(pb.ListNotificationsRequest(profile_id=profile_id),
                                         metadata=metadata).notifications)


def unread(h, metadata) -> dict[str, int]:
    return {c.profile_id: c.unread
            for c in h.stub.GetUnreadCounts(pb.GetUnreadCountsRequest(), metadata=metadata).counts}


def family(h, *, daughter_activated: bool, daughter_email: str = "lea@example.test", postal: bool = False):
    """A mother (email and postal address), an aunt who helps the daughter, and the daughter, a minor."""
    h.person("mother", given_name="Sophie", family_name="Morel", email="sophie@example.test", activated=True,
             postal_address=ADDRESS)
    h.person("aunt", given_name="Anne", family_name="Morel", email="anne@example.test", activated=True)
    h.person("daughter", given_name="Léa", family_name="Morel", email=daughter_email, activated=daughter_activated,
             minor=True, legal_representative_ids=["mother"], caregiver_ids=["aunt"],
             postal_address=ADDRESS if postal else "")


def finished(h, event_id):
    return h.wait_statuses(event_id, lambda s: all(x.state in DONE for x in s))


class TestAMinorWithHerOwnAccess:
    def test_she_alone_is_told_and_her_mother_and_aunt_see_nothing(self, notifications):
        h = notifications
        family(h, daughter_activated=True)
        hidden, _ = h.publish("daughter", **HIDDEN)
        told, _ = h.publish("daughter")          # an ordinary notice, for comparison
        statuses = h.wait_statuses(hidden, lambda s: s and all(x.state == pb.DELIVERY_STATE_SENT for x in s))
        assert [(s.recipient_id, s.channel) for s in statuses] == [("daughter", pb.CHANNEL_EMAIL)]
        h.wait_statuses(told, lambda s: len(s) == 2 and all(x.state == pb.DELIVERY_STATE_SENT for x in s))
        (own,) = h.wait_mails(1, to="lea@example.test")
        assert own["Message-ID"].startswith(f"<{statuses[0].notification_id}@")
        h.wait_mails(1, to="sophie@example.test"), h.wait_mails(1, to="anne@example.test")     # the ordinary one
        assert len(h.mails("sophie@example.test")) == 1 and len(h.mails("anne@example.test")) == 1

        mine = bell(h, "daughter", h.patient("daughter"))
        assert len(mine) == 2 and unread(h, h.patient("daughter"))["daughter"] == 2
        for viewer in (h.patient("mother"), h.patient("aunt"), h.as_("delegate", "aunt", on_behalf_of="daughter")):
            (only,) = bell(h, "daughter", viewer)
            assert only.notification_id != statuses[0].notification_id
            assert unread(h, viewer)["daughter"] == 1

    def test_by_its_id_the_hidden_item_does_not_exist_for_her_mother(self, notifications):
        h = notifications
        family(h, daughter_activated=True)
        h.publish("daughter", **HIDDEN)
        (item,) = bell(h, "daughter", h.patient("daughter"))
        mother = h.patient("mother")
        for notification_id in (item.notification_id, str(uuid.uuid4())):     # the same answer as an unknown id
            for call in (lambda: h.stub.MarkNotification(pb.MarkNotificationRequest(
                    notification_id=notification_id, read=True), metadata=mother),
                    lambda: h.stub.DeleteNotification(pb.DeleteNotificationRequest(
                        notification_id=notification_id), metadata=mother)):
                with pytest.raises(grpc.RpcError) as missing:
                    call()
                assert missing.value.code() == grpc.StatusCode.NOT_FOUND
                assert missing.value.details() == "Notification introuvable"
        assert h.stub.MarkAllRead(pb.MarkAllReadRequest(profile_id="daughter"), metadata=mother).updated == 0
        (still,) = bell(h, "daughter", h.patient("daughter"))
        assert not still.read
        assert h.stub.MarkNotification(pb.MarkNotificationRequest(notification_id=item.notification_id, read=True),
                                       metadata=h.patient("daughter")).read

    def test_her_mothers_stream_skips_it_and_hers_carries_it(self, notifications):
        h = notifications
        family(h, daughter_activated=True)
        streams = {viewer: h.stub.WatchNotifications(pb.WatchNotificationsRequest(profile_id="daughter"),
                                                     metadata=h.patient(viewer), timeout=60)
                   for viewer in ("mother", "daughter")}
        received: dict[str, list[pb.Notification]] = {viewer: [] for viewer in streams}

        def read(viewer):
            try:
                for item in streams[viewer]:
                    received[viewer].append(item)
            except grpc.RpcError:
                pass
        for viewer in streams:
            threading.Thread(target=read, args=(viewer,), daemon=True).start()

        def both_live():      # ordinary primers until each stream shows one
            h.publish("daughter", "RAPPEL_AGENDA", producer="agenda")
            return all(received.values())
        eventually(both_live, timeout=20, interval=0.5, what="both streams live")
        h.publish("daughter", **HIDDEN)
        h.publish("daughter", "RAPPEL_RDV_PREV_VACC", producer="agenda")       # after the hidden one
        eventually(lambda: all(any(i.event_type == "RAPPEL_RDV_PREV_VACC" for i in items)
                               for items in received.values()), what="the later item streamed to both")
        for stream in streams.values():
            stream.cancel()
        assert not [i for i in received["mother"] if i.event_type == "AJOUT_DOCUMENT"]
        assert [i.event_type for i in received["daughter"] if i.event_type != "RAPPEL_AGENDA"] == [
            "AJOUT_DOCUMENT", "RAPPEL_RDV_PREV_VACC"]

    def test_without_an_email_she_gets_no_letter_at_her_family_home(self, notifications):
        h = notifications
        family(h, daughter_activated=True, daughter_email="", postal=True)
        hidden, _ = h.publish("daughter", **HIDDEN)
        statuses = finished(h, hidden)
        assert [(s.recipient_id, s.channel, s.state) for s in statuses] == [
            ("daughter", pb.CHANNEL_EMAIL, pb.DELIVERY_STATE_SKIPPED)]
        assert run_batch(h).letter_count == 0
        assert len(bell(h, "daughter", h.patient("daughter"))) == 1


class TestAMinorWithoutHerOwnAccess:
    def test_nobody_is_told_on_any_channel(self, notifications):
        h = notifications
        family(h, daughter_activated=False, postal=True)
        hidden, _ = h.publish("daughter", "ACCES_DMP_PS", producer="documents", **HIDDEN)
        assert h.statuses(hidden) == []
        for viewer in ("mother", "aunt", "daughter"):
            assert bell(h, "daughter", h.patient(viewer)) == []
            assert unread(h, h.patient(viewer))["daughter"] == 0
        assert run_batch(h).letter_count == 0
        h.publish("daughter")                  # an ordinary notice goes on as before
        h.wait_mails(1, to="sophie@example.test")
        assert h.mails("lea@example.test") == []

    def test_a_notice_that_came_before_her_snapshot_is_dropped_when_it_shows_she_has_no_access(self, notifications):
        h = notifications
        hidden, _ = h.publish("daughter", **HIDDEN)     # identity's snapshot is not here yet
        family(h, daughter_activated=False)
        statuses = finished(h, hidden)
        assert [(s.recipient_id, s.state, s.last_error) for s in statuses] == [
            ("daughter", pb.DELIVERY_STATE_SKIPPED, "secret du mineur : pas d'accès personnel au profil")]
        assert h.mails() == []
        for viewer in ("mother", "aunt"):
            assert bell(h, "daughter", h.patient(viewer)) == []
