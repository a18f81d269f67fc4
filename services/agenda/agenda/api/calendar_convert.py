"""Calendar values <-> agenda.v1 messages."""
from __future__ import annotations

from mes.agenda.v1 import agenda_pb2 as pb

from meskit.timestamps import datetime_of, timestamp

from agenda.domain.calendar_models import Appointment, Reminder


TYPE_NAMES = {int(v): n.removeprefix("APPOINTMENT_TYPE_") for n, v in pb.AppointmentType.items()}
STATUS_NAMES = {int(v): n.removeprefix("APPOINTMENT_STATUS_") for n, v in pb.AppointmentStatus.items()}


def type_name(value: int) -> str:
    """The proto's name without its prefix; "" when unset, an unknown number as a name the domain refuses."""
    if value == pb.APPOINTMENT_TYPE_UNSPECIFIED:
        return ""
    return TYPE_NAMES.get(int(value), f"unknown:{value}")


def status_name(value: int) -> str:
    if value == pb.APPOINTMENT_STATUS_UNSPECIFIED:
        return ""
    return STATUS_NAMES.get(int(value), f"unknown:{value}")


TEXT_FIELDS = ("title", "directory_id", "name", "specialty", "address", "note", "prevention_item_id", "reminder_time")


def _has(message, name: str) -> bool:
    return message.HasField(name)


def new_appointment(request: pb.CreateAppointmentRequest) -> dict:
    return {**{f: getattr(request, f) for f in TEXT_FIELDS}, "type": type_name(request.type),
            "status": status_name(request.status), "start_time": datetime_of(request, "start_time"),
            "end_time": datetime_of(request, "end_time")}


def appointment_changes(request: pb.UpdateAppointmentRequest) -> dict:
    changes = {f: getattr(request, f) for f in TEXT_FIELDS if _has(request, f)}
    if request.HasField("type"):
        changes["type"] = type_name(request.type)
    if request.HasField("status"):
        changes["status"] = status_name(request.status) or "unknown:0"
    for name in ("start_time", "end_time"):
        if _has(request, name):
            changes[name] = datetime_of(request, name)
    return changes


def appointment(a: Appointment) -> pb.Appointment:
    return pb.Appointment(
        appointment_id=a.appointment_id, patient_id=a.patient_id, type=pb.AppointmentType.Value(f"APPOINTMENT_TYPE_{a.type}"),
        title=a.title, directory_id=a.directory_id, name=a.name, specialty=a.specialty, address=a.address,
        start_time=timestamp(a.start_time), end_time=timestamp(a.end_time), note=a.note,
        status=pb.AppointmentStatus.Value(f"APPOINTMENT_STATUS_{a.status}"), prevention_item_id=a.prevention_item_id,
        reminder_time=a.reminder_time,
        author_type=pb.EntryAuthorType.Value(f"ENTRY_AUTHOR_TYPE_{a.author_type}"), author_id=a.author_id,
        created_at=timestamp(a.created_at), updated_at=timestamp(a.updated_at))


def reminder(r: Reminder) -> pb.Reminder:
    return pb.Reminder(
        reminder_id=r.reminder_id, patient_id=r.patient_id, title=r.title, remind_at=timestamp(r.remind_at),
        note=r.note, author_type=pb.EntryAuthorType.Value(f"ENTRY_AUTHOR_TYPE_{r.author_type}"), author_id=r.author_id,
        notified_at=timestamp(r.notified_at), created_at=timestamp(r.created_at), updated_at=timestamp(r.updated_at))
