"""Thin gRPC servicer: proto in, one use-case call, proto out. Errors rise to the interceptor.

The prevention RPCs (ListPreventionItems, GetPreventionItem, MarkPreventionItemDone) are in the
PreventionServicer mixin; appointments, reminders and the feed here.
"""
from __future__ import annotations

from mes.agenda.v1 import agenda_pb2 as pb
from mes.agenda.v1 import agenda_pb2_grpc

from meskit.auth import current_caller
from meskit.timestamps import datetime_of, timestamp

from agenda.api import calendar_convert as convert
from agenda.api.prevention_servicer import PreventionServicer
from agenda.domain import appointments, calendar_feed, reminders
from agenda.domain.ports import Dependencies


CHUNK = 64 * 1024


class AgendaServicer(PreventionServicer, agenda_pb2_grpc.AgendaServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    # ---- appointments ----
    def CreateAppointment(self, request, context):
        return convert.appointment(appointments.create(self._deps, current_caller(), request.patient_id,
                                                       convert.new_appointment(request)))

    def ListAppointments(self, request, context):
        found, token = appointments.listing(
            self._deps, current_caller(), request.patient_id, start=datetime_of(request, "start_time"),
            end=datetime_of(request, "end_time"), statuses=[convert.status_name(s) for s in request.statuses],
            newest_first=request.newest_first, page_size=request.page_size, page_token=request.page_token)
        return pb.ListAppointmentsResponse(appointments=[convert.appointment(a) for a in found], next_page_token=token)

    def GetAppointment(self, request, context):
        return convert.appointment(appointments.get(self._deps, current_caller(), request.patient_id,
                                                    request.appointment_id))

    def UpdateAppointment(self, request, context):
        return convert.appointment(appointments.update(self._deps, current_caller(), request.patient_id,
                                                       request.appointment_id, convert.appointment_changes(request)))

    def DeleteAppointment(self, request, context):
        appointments.delete(self._deps, current_caller(), request.patient_id, request.appointment_id)
        return pb.DeleteAppointmentResponse()

    # ---- reminders ----
    def CreateReminder(self, request, context):
        return convert.reminder(reminders.create(self._deps, current_caller(), request.patient_id, title=request.title,
                                                 remind_at=datetime_of(request, "remind_at"), note=request.note))

    def ListReminders(self, request, context):
        found, token = reminders.listing(
            self._deps, current_caller(), request.patient_id, start=datetime_of(request, "start_time"),
            end=datetime_of(request, "end_time"), page_size=request.page_size, page_token=request.page_token)
        return pb.ListRemindersResponse(reminders=[convert.reminder(r) for r in found], next_page_token=token)

    def GetReminder(self, request, context):
        return convert.reminder(reminders.get(self._deps, current_caller(), request.patient_id, request.reminder_id))

    def UpdateReminder(self, request, context):
        changes = {f: getattr(request, f) for f in ("title", "note") if request.HasField(f)}
        if request.HasField("remind_at"):
            changes["remind_at"] = datetime_of(request, "remind_at")
        return convert.reminder(reminders.update(self._deps, current_caller(), request.patient_id,
                                                 request.reminder_id, changes))

    def DeleteReminder(self, request, context):
        reminders.delete(self._deps, current_caller(), request.patient_id, request.reminder_id)
        return pb.DeleteReminderResponse()

    # ---- calendar feed ----
    def RegenerateCalendarFeed(self, request, context):
        s = calendar_feed.regenerate(self._deps, current_caller(), request.patient_id, show_details=request.show_details)
        return pb.CalendarFeedSubscription(feed_url=s.feed_url, feed_token=s.feed_token, show_details=s.show_details,
                                           created_at=timestamp(s.created_at))

    def GetCalendarFeed(self, request, context):
        data = calendar_feed.feed(self._deps, request.feed_token)
        yield pb.GetCalendarFeedResponse(metadata=pb.CalendarFeedFile(
            filename=calendar_feed.FILENAME, content_type=calendar_feed.CONTENT_TYPE, size_bytes=len(data)))
        for start in range(0, len(data), CHUNK):
            yield pb.GetCalendarFeedResponse(chunk=data[start:start + CHUNK])
