"""Thin gRPC servicer: proto in, one use-case call, proto out. Errors rise to the interceptor."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mes.notifications.v1 import notifications_pb2 as pb
from mes.notifications.v1 import notifications_pb2_grpc

from meskit.auth import current_caller
from meskit.timestamps import datetime_of

from notifications.api import convert
from notifications.domain import bell, letters, operations, preferences
from notifications.domain.codes import send_one_time_code
from notifications.domain.ingest import publish_event
from notifications.domain.models import IncomingEvent
from notifications.domain.ports import Dependencies


class NotificationsServicer(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self, mailer, sender: str, deps: Dependencies):
        self._mailer, self._sender, self._deps = mailer, sender, deps

    def SendOneTimeCode(self, request, context):
        expires_at = datetime_of(request, "expires_at") or datetime.now(timezone.utc) + timedelta(minutes=5)
        message_id = send_one_time_code(self._mailer, current_caller(), sender=self._sender,
                                        email=request.email, code=request.code, expires_at=expires_at,
                                        given_name=request.given_name, purpose=request.purpose or "login")
        return pb.SendOneTimeCodeResponse(message_id=message_id)

    def PublishEvent(self, request, context):
        duplicate = publish_event(self._deps, current_caller(), IncomingEvent(
            event_id=request.event_id, event_type=request.event_type, patient_id=request.patient_id,
            payload_json=request.payload_json, occurred_at=datetime_of(request, "occurred_at"),
            critical=request.critical,
            recipient=convert.snapshot(request.recipient) if request.HasField("recipient") else None,
            hidden_from_legal_representatives=request.hidden_from_legal_representatives))
        return pb.PublishEventResponse(duplicate=duplicate)

    # ---- the bell ----
    def ListNotifications(self, request, context):
        items, token = bell.list_items(self._deps, current_caller(), request.profile_id,
                                       unread_only=request.unread_only, page_size=request.page_size,
                                       page_token=request.page_token)
        return pb.ListNotificationsResponse(notifications=[convert.notification(i) for i in items],
                                            next_page_token=token)

    def GetUnreadCounts(self, request, context):
        return pb.GetUnreadCountsResponse(counts=[
            pb.UnreadCount(profile_id=c.profile_id, unread=c.unread, given_name=c.given_name, relation=c.relation)
            for c in bell.unread_counts(self._deps, current_caller())])

    def MarkNotification(self, request, context):
        return convert.notification(bell.mark(self._deps, current_caller(), request.notification_id, request.read))

    def MarkAllRead(self, request, context):
        return pb.MarkAllReadResponse(updated=bell.mark_all_read(self._deps, current_caller(), request.profile_id))

    def DeleteNotification(self, request, context):
        bell.delete(self._deps, current_caller(), request.notification_id)
        return pb.DeleteNotificationResponse()

    def WatchNotifications(self, request, context):
        for item in bell.watch(self._deps, current_caller(), request.profile_id, context.is_active):
            yield convert.notification(item)

    # ---- preferences and push devices ----
    def GetPreferences(self, request, context):
        return convert.preferences(*preferences.get(self._deps, current_caller(), request.account_id))

    def UpdatePreferences(self, request, context):
        p = request.preferences
        wanted = {name: getattr(p, name) for name in ("message", "document", "appointment", "synchronized_service",
                                                      "screening", "quiet_hours_start", "quiet_hours_end")}
        return convert.preferences(*preferences.update(self._deps, current_caller(), request.account_id, wanted))

    def Unsubscribe(self, request, context):
        preferences.unsubscribe(self._deps, request.token, request.category)
        return pb.UnsubscribeResponse()

    def GetPushConfig(self, request, context):
        return pb.PushConfig(vapid_public_key=preferences.push_config(self._deps, current_caller()))

    def RegisterPushDevice(self, request, context):
        device = preferences.register_device(self._deps, current_caller(), request.account_id,
                                             endpoint=request.endpoint.strip(), p256dh=request.p256dh.strip(),
                                             auth=request.auth.strip(), platform=request.platform)
        return pb.PushDevice(device_id=device.device_id, account_id=device.account_id, endpoint=device.endpoint,
                             platform=device.platform, created_at=convert.timestamp(device.created_at))

    def UnregisterPushDevice(self, request, context):
        preferences.unregister_device(self._deps, current_caller(), request.account_id, request.device_id)
        return pb.UnregisterPushDeviceResponse()

    # ---- operators ----
    def GetDeliveryStatus(self, request, context):
        return pb.GetDeliveryStatusResponse(statuses=[
            convert.delivery_status(d) for d in operations.delivery_status(self._deps, current_caller(),
                                                                            request.event_id)])

    def ListDeadLetters(self, request, context):
        found, token = operations.dead_letters(self._deps, current_caller(),
                                               convert.CHANNEL_FROM_PB.get(request.channel), request.page_size,
                                               request.page_token)
        return pb.ListDeadLettersResponse(dead_letters=[convert.dead_letter(d) for d in found], next_page_token=token)

    def ReplayDeadLetter(self, request, context):
        return pb.ReplayDeadLetterResponse(status=convert.delivery_status(
            operations.replay(self._deps, current_caller(), request.dead_letter_id)))

    def CreateCampaign(self, request, context):
        return convert.campaign(operations.create_campaign(
            self._deps, current_caller(), name=request.name.strip(), template=request.template.strip(),
            rate_per_day=request.rate_per_day, audience=convert.AUDIENCE_FROM_PB.get(request.audience, ""),
            recipient_ids=[r.strip() for r in request.recipient_account_ids]))

    def GetCampaign(self, request, context):
        return convert.campaign(operations.get_campaign(self._deps, current_caller(), request.campaign_id))

    def PauseCampaign(self, request, context):
        return convert.campaign(operations.set_running(self._deps, current_caller(), request.campaign_id, False))

    def ResumeCampaign(self, request, context):
        return convert.campaign(operations.set_running(self._deps, current_caller(), request.campaign_id, True))

    def RunLetterBatch(self, request, context):
        return convert.letter_batch(letters.run_now(self._deps, current_caller()))

    def ListLetterBatches(self, request, context):
        found, token = letters.list_batches(self._deps, current_caller(), request.page_size, request.page_token)
        return pb.ListLetterBatchesResponse(batches=[convert.letter_batch(b) for b in found], next_page_token=token)

    def GetLetterBatch(self, request, context):
        return convert.letter_batch(letters.get_batch(self._deps, current_caller(), request.batch_id))

    def UpdateLetterStatus(self, request, context):
        return convert.letter(letters.update_letter_status(
            self._deps, current_caller(), request.letter_id, convert.LETTER_STATUS_FROM_PB.get(request.status, "")))

    def ListRecipientDeliveries(self, request, context):
        found, token = operations.recipient_deliveries(self._deps, current_caller(), request.recipient_id.strip(),
                                                       request.event_type.strip(), request.page_size,
                                                       request.page_token)
        return pb.ListRecipientDeliveriesResponse(deliveries=[convert.recipient_delivery(d) for d in found],
                                                  next_page_token=token)

    def GetRecipient(self, request, context):
        return convert.recipient_routing(operations.recipient(self._deps, current_caller(), request.account_id.strip()))
