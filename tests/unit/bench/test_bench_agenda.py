"""(s), the calendar measurement: what it seeds, how it reads back, how it is registered and ratioed
(nothing here is timed)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from google.protobuf import json_format
from mes.agenda.v1 import agenda_pb2 as pb

from bench.agenda import SEEDED, appointment_body, read_back
from bench.plan import MEASUREMENTS, RATIOS


def test_the_seeded_appointment_is_a_create_appointment_request_within_the_limits():
    request = json_format.Parse(appointment_body(datetime(2027, 1, 5, 9, tzinfo=timezone.utc)),
                                pb.CreateAppointmentRequest())
    assert request.type == pb.APPOINTMENT_TYPE_PRACTITIONER and request.name and len(request.title) <= 100
    assert request.start_time.ToDatetime(tzinfo=timezone.utc) == datetime(2027, 1, 5, 9, tzinfo=timezone.utc)


def test_reading_back_wants_at_least_the_seeded_appointments():
    listing = {"appointments": [{"appointmentId": f"a-{n}"} for n in range(SEEDED)]}
    assert read_back(listing, SEEDED) == SEEDED
    for wrong in ({"appointments": []}, {"appointments": listing["appointments"][:-1]},
                  {"appointments": [{"appointmentId": ""}] * SEEDED}):
        with pytest.raises(RuntimeError):
            read_back(wrong, SEEDED)


def test_it_is_measured_with_the_short_timing_and_ratioed_to_the_ceiling_and_the_bare_pipeline():
    [measurement] = [m for m in MEASUREMENTS if m.key == "s"]
    assert measurement.short
    assert {("s", "c"), ("s", "n")} <= {(top, bottom) for top, bottom, _ in RATIOS}
    assert len({m.key for m in MEASUREMENTS}) == len(MEASUREMENTS)
