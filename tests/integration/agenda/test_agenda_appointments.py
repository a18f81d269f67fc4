"""Appointments through gRPC: create, list by period, get, change, delete; bad input refused precisely
with nothing changed; another profile, a professional, a stranger's delegate refused."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import grpc
from mes.agenda.v1 import agenda_pb2 as pb

from agenda_harness import refused
from devtools.rpc_errors import error_details
from meskit.timestamps import timestamp

SOON = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=20)


def test_an_appointment_is_created_listed_by_period_changed_and_deleted(astack):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    made = astack.new_appointment(mine, "me", SOON, title="Contrôle annuel", specialty="Cardiologie",
                                  address="3 rue de la Paix, Paris", end_time=timestamp(SOON + timedelta(minutes=30)),
                                  note="Apporter les analyses")
    later = astack.new_appointment(mine, patient, SOON + timedelta(days=40), type=pb.APPOINTMENT_TYPE_HEALTHCARE_SERVICE,
                                   name="Hôpital Cochin", status=pb.APPOINTMENT_STATUS_PROPOSED)
    assert (made.patient_id, made.status, made.author_type, made.author_id) == (
        patient, pb.APPOINTMENT_STATUS_BOOKED, pb.ENTRY_AUTHOR_TYPE_PATIENT, patient)
    assert [a.appointment_id for a in astack.appointments(mine, patient)] == [made.appointment_id, later.appointment_id]
    assert [a.appointment_id for a in astack.appointments(mine, patient, newest_first=True)] == [
        later.appointment_id, made.appointment_id]
    assert [a.appointment_id for a in astack.appointments(
        mine, patient, start_time=timestamp(SOON + timedelta(days=1)),
        end_time=timestamp(SOON + timedelta(days=60)))] == [later.appointment_id]
    assert [a.appointment_id for a in astack.appointments(
        mine, patient, statuses=[pb.APPOINTMENT_STATUS_PROPOSED])] == [later.appointment_id]

    changed = astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id=made.appointment_id, note="", status=pb.APPOINTMENT_STATUS_CANCELLED),
        metadata=mine, timeout=10)
    assert (changed.note, changed.status, changed.title, changed.specialty) == (
        "", pb.APPOINTMENT_STATUS_CANCELLED, "Contrôle annuel", "Cardiologie")
    got = astack.agenda.GetAppointment(pb.GetAppointmentRequest(patient_id=patient, appointment_id=made.appointment_id),
                                       metadata=mine, timeout=10)
    assert got == changed

    astack.agenda.DeleteAppointment(pb.DeleteAppointmentRequest(patient_id=patient, appointment_id=made.appointment_id),
                                    metadata=mine, timeout=10)
    refused(lambda: astack.agenda.GetAppointment(pb.GetAppointmentRequest(
        patient_id=patient, appointment_id=made.appointment_id), metadata=mine, timeout=10),
        grpc.StatusCode.NOT_FOUND, "APPOINTMENT_NOT_FOUND")
    assert [a.appointment_id for a in astack.appointments(mine, patient)] == [later.appointment_id]


def test_bad_appointments_are_refused_naming_each_field_and_nothing_is_stored(astack):
    patient = astack.new_patient()
    mine = astack.patient(patient)
    for fields, violated in (
            ({"title": "x" * 101}, "title"), ({"note": "n" * 1001}, "note"), ({"name": ""}, "name"),
            ({"type": pb.APPOINTMENT_TYPE_UNSPECIFIED}, "type"),
            ({"end_time": timestamp(SOON - timedelta(minutes=1))}, "end_time")):
        error = refused(lambda: astack.new_appointment(mine, patient, SOON, **fields),
                        grpc.StatusCode.INVALID_ARGUMENT, "")
        assert error_details(error)[0] == {violated}
    refused(lambda: astack.agenda.CreateAppointment(pb.CreateAppointmentRequest(
        patient_id=patient, type=pb.APPOINTMENT_TYPE_PRACTITIONER, name="Dr X"), metadata=mine, timeout=10),
        grpc.StatusCode.INVALID_ARGUMENT, "")    # no start
    assert astack.appointments(mine, patient) == []

    made = astack.new_appointment(mine, patient, SOON)
    refused(lambda: astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id=made.appointment_id, title="Autre",
        end_time=timestamp(SOON - timedelta(hours=1))), metadata=mine, timeout=10),
        grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: astack.agenda.UpdateAppointment(pb.UpdateAppointmentRequest(
        patient_id=patient, appointment_id="00000000-0000-0000-0000-000000000000", title="Autre"),
        metadata=mine, timeout=10), grpc.StatusCode.NOT_FOUND, "APPOINTMENT_NOT_FOUND")
    assert astack.appointments(mine, patient) == [made]


def test_someone_elses_profile_a_professional_and_a_strangers_delegate_are_refused(astack):
    patient, other = astack.new_patient(), astack.new_patient()
    made = astack.new_appointment(astack.patient(patient), patient, SOON)
    refused(lambda: astack.appointments(astack.patient(other), patient), grpc.StatusCode.PERMISSION_DENIED,
            "PROFILE_ACCESS")
    refused(lambda: astack.new_appointment(astack.patient(other), patient, SOON), grpc.StatusCode.PERMISSION_DENIED,
            "PROFILE_ACCESS")
    refused(lambda: astack.agenda.DeleteAppointment(pb.DeleteAppointmentRequest(
        patient_id=other, appointment_id=made.appointment_id), metadata=astack.patient(other), timeout=10),
        grpc.StatusCode.NOT_FOUND, "APPOINTMENT_NOT_FOUND")
    refused(lambda: astack.appointments(astack.professional(astack.new_professional()), patient),
            grpc.StatusCode.PERMISSION_DENIED, "")
    refused(lambda: astack.appointments(astack.delegate(other, patient), patient), grpc.StatusCode.PERMISSION_DENIED,
            "DELEGATION_NOT_IN_FORCE")
    assert [a.appointment_id for a in astack.appointments(astack.patient(patient), patient)] == [made.appointment_id]
