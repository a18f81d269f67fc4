"""Appointments and reminders the person (or a delegate) enters, with the state of their notice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# AppointmentType / AppointmentStatus / EntryAuthorType names of the proto, stored as such
PRACTITIONER, HEALTHCARE_SERVICE = "PRACTITIONER", "HEALTHCARE_SERVICE"
APPOINTMENT_TYPES = (PRACTITIONER, HEALTHCARE_SERVICE)
BOOKED, CANCELLED = "BOOKED", "CANCELLED"
STATUSES = ("BOOKED", "PROPOSED", "PENDING", "ARRIVED", "FULFILLED", "CANCELLED", "NOSHOW", "CHECKED_IN",
            "WAITLIST", "ENTERED_IN_ERROR")
# Appointments still ahead of the person: the only ones reminded of.
REMINDED_STATUSES = frozenset({"BOOKED", "PROPOSED", "PENDING", "WAITLIST"})
PATIENT_AUTHOR, APP_AUTHOR = "PATIENT", "EDITOR_SOLUTION"

# Notice states: none to send, waiting for its time, sent, dropped (missed and no longer useful)
NO_NOTICE, PENDING, SENT, DROPPED = "none", "pending", "sent", "dropped"


@dataclass(frozen=True, kw_only=True)
class Appointment:
    appointment_id: str
    patient_id: str
    type: str
    title: str = ""
    directory_id: str = ""
    name: str = ""
    specialty: str = ""
    address: str = ""
    start_time: datetime
    end_time: datetime | None = None
    note: str = ""
    status: str = BOOKED
    prevention_item_id: str = ""
    reminder_time: str = ""                # "HH:MM" Paris the day before; "" = the default 09:00
    author_type: str = PATIENT_AUTHOR
    author_id: str = ""
    created_at: datetime
    updated_at: datetime
    sequence: int = 0                      # iCalendar SEQUENCE: +1 on each change
    notice_at: datetime | None = None
    notice_state: str = NO_NOTICE


@dataclass(frozen=True, kw_only=True)
class Reminder:
    reminder_id: str
    patient_id: str
    title: str
    remind_at: datetime
    remind_date: date                      # its date in Europe/Paris (at most 10 per date)
    note: str = ""
    author_type: str = PATIENT_AUTHOR
    author_id: str = ""
    created_at: datetime
    updated_at: datetime
    notified_at: datetime | None = None
    notice_state: str = PENDING
