"""Her agenda in her export (mes.lifecycle.v1 ExportSubjectData, exports' service token only): JSON
and iCalendar; its erasure when her space is deleted: nothing of her left, idempotent, others untouched."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import grpc
import icalendar
from mes.agenda.v1 import agenda_pb2 as pb
from mes.audit.v1 import audit_pb2 as apb
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from agenda.adapters.subject_data import SubjectData
from agenda.domain import subject_data
from agenda_harness import refused

START = datetime.now(timezone.utc).replace(microsecond=0, second=0) + timedelta(days=12)


def export(astack, account_id: str, *, caller: str = "exports", export_id: str = "") -> dict[str, tuple[str, bytes]]:
    stub = lifecycle_pb2_grpc.SubjectDataServiceStub(grpc.insecure_channel(astack.address("agenda")))
    files: dict[str, tuple[str, bytes]] = {}
    path = ""
    for chunk in stub.ExportSubjectData(lpb.ExportSubjectDataRequest(
            account_id=account_id, export_id=export_id or str(uuid.uuid4())), metadata=astack.service(caller),
            timeout=30):
        path = chunk.path or path
        kind, data = files.get(path, (chunk.content_type, b""))
        files[path] = (kind, data + chunk.data)
    return files


def filled(astack) -> str:
    patient = astack.new_patient()
    mine = astack.patient(patient)
    astack.new_appointment(mine, patient, START, title="Cardiologue", address="12 rue de Rivoli")
    astack.new_reminder(mine, patient, START + timedelta(days=1), title="Prendre la tension")
    astack.agenda.RegenerateCalendarFeed(pb.RegenerateCalendarFeedRequest(patient_id="me"), metadata=mine, timeout=10)
    return patient


def test_the_export_holds_her_agenda_as_json_and_icalendar_and_is_audited(astack):
    patient = filled(astack)
    export_id = str(uuid.uuid4())
    files = export(astack, patient, export_id=export_id)
    assert set(files) == {"agenda/agenda.json", "agenda/agenda.ics"}
    kind, raw = files["agenda/agenda.json"]
    content = json.loads(raw)
    assert kind == "application/json"
    assert [a["title"] for a in content["appointments"]] == ["Cardiologue"]
    assert [r["title"] for r in content["reminders"]] == ["Prendre la tension"]
    assert [s["created_by"] for s in content["calendar_subscription"]] == [patient]
    assert "token_hash" not in raw.decode()
    kind, ics = files["agenda/agenda.ics"]
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert kind == "text/calendar" and str(event["summary"]) == "Cardiologue"
    assert str(event["location"]) == "12 rue de Rivoli"
    [record] = [r for r in astack.records(patient) if r.resource_id == export_id]
    assert (record.actor.id, record.action) == ("exports", apb.ACTION_EXPORT)


def test_only_the_exports_service_exports(astack):
    patient = filled(astack)
    for metadata in (astack.service("documents"), astack.patient(patient)):
        refused(lambda: list(lifecycle_pb2_grpc.SubjectDataServiceStub(
            grpc.insecure_channel(astack.address("agenda"))).ExportSubjectData(
                lpb.ExportSubjectDataRequest(account_id=patient, export_id=str(uuid.uuid4())),
                metadata=metadata, timeout=10)), grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")
    refused(lambda: export(astack, patient, export_id="x"), grpc.StatusCode.INVALID_ARGUMENT, "")
    assert export(astack, str(uuid.uuid4())) == {}


def test_erasure_leaves_nothing_of_her_and_is_idempotent(astack):
    patient, other = filled(astack), filled(astack)
    store = SubjectData(astack.agenda_engine())
    counts = subject_data.erase(store, patient)
    assert (counts["appointments"], counts["reminders"], counts["calendar_feeds"]) == (1, 1, 1)
    assert export(astack, patient) == {}
    assert set(subject_data.erase(store, patient).values()) == {0}
    for table in ("appointments", "reminders", "calendar_feeds", "prevention_marks", "prevention_people"):
        assert astack.sql(f"SELECT count(*) FROM {table} WHERE patient_id = :p", p=patient)[0][0] == 0
    assert [a.title for a in astack.appointments(astack.patient(other), other)] == ["Cardiologue"]
