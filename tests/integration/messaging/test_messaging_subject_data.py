"""Her messaging in her export (mes.lifecycle.v1 ExportSubjectData, exports' service token only) and
its erasure when her space is deleted: rows and attachment bytes gone, idempotent, others untouched."""
from __future__ import annotations

import json
import uuid

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc
from mes.messaging.v1 import messaging_pb2 as pb

from documents_samples import TEXT, pdf
from messaging_harness import new_file, refused
from meskit.objects import S3Store
from messaging.adapters.subject_data import SubjectData
from messaging.domain import subject_data


def export(mstack, account_id: str, *, caller: str = "exports", export_id: str = "") -> dict[str, tuple[str, bytes]]:
    stub = lifecycle_pb2_grpc.SubjectDataServiceStub(grpc.insecure_channel(mstack.address("messaging")))
    files: dict[str, tuple[str, bytes]] = {}
    path = ""
    for chunk in stub.ExportSubjectData(lpb.ExportSubjectDataRequest(
            account_id=account_id, export_id=export_id or str(uuid.uuid4())), metadata=mstack.service(caller),
            timeout=30):
        if chunk.path:
            path = chunk.path
            files[path] = (chunk.content_type, b"")
        files[path] = (files[path][0], files[path][1] + chunk.data)
    return files


def objects(mstack) -> set[str]:
    return {o.object_name for o in mstack.s3.list_objects(mstack.bucket, prefix="messaging/", recursive=True)}


def erase(mstack, account_id: str) -> dict[str, int]:
    store = S3Store(f"127.0.0.1:{mstack.s3_port}", "test", "test", mstack.bucket, secure=False, region="us-east-1",
                    prefix="messaging/")
    return subject_data.erase(SubjectData(mstack.messaging_engine()), store, account_id)


@pytest.fixture
def exchange(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, patient, attachments=[new_file("compte-rendu.pdf", pdf())])
    mine = mstack.patient(patient)
    mstack.reply(mine, patient, started.conversation_id, "Merci, voici ma question",
                 attachments=[new_file("question.txt", TEXT, "text/plain")])
    mstack.msg.CreateDraft(pb.CreateDraftRequest(patient_id=patient, conversation_id=started.conversation_id,
                                                 body="Brouillon", attachments=[new_file("b.txt", TEXT, "text/plain")]),
                           metadata=mine, timeout=30)
    return patient, doctor, started


def test_the_export_holds_her_messages_and_the_attachments_original_bytes_and_is_audited(mstack, exchange):
    patient, doctor, started = exchange
    export_id = str(uuid.uuid4())
    files = export(mstack, patient, export_id=export_id)
    content_type, raw = files.pop("messagerie/messages.json")
    assert content_type == "application/json"
    content = json.loads(raw)
    [conversation] = content["conversations"]
    assert conversation["subject"] == started.subject
    assert [m["body"] for m in conversation["messages"]] == ["Bonjour, vos résultats sont arrivés.",
                                                              "Merci, voici ma question"]
    assert {p["participant_id"] for p in conversation["participants"]} == {patient, doctor.professional_id}
    assert [d["body"] for d in content["drafts"]] == ["Brouillon"]
    by_name = {a["filename"]: a for a in content["attachments"]}
    assert set(by_name) == {"compte-rendu.pdf", "question.txt", "b.txt"}
    assert all("object_key" not in a for a in content["attachments"])
    assert files[by_name["compte-rendu.pdf"]["path"]] == ("application/pdf", pdf())
    assert files[by_name["question.txt"]["path"]][1] == TEXT
    assert set(files) == {a["path"] for a in content["attachments"]}
    [record] = [r for r in mstack.records(patient) if r.resource_id == export_id]
    assert (record.action, record.actor.id, record.decision) == (apb.ACTION_EXPORT, "exports", apb.DECISION_ALLOWED)


def test_only_the_exports_service_exports_and_ids_are_checked(mstack, exchange):
    patient, doctor, _ = exchange
    for metadata in (mstack.service("documents"), mstack.patient(patient), mstack.professional(doctor)):
        refused(lambda: list(lifecycle_pb2_grpc.SubjectDataServiceStub(
            grpc.insecure_channel(mstack.address("messaging"))).ExportSubjectData(
                lpb.ExportSubjectDataRequest(account_id=patient, export_id=str(uuid.uuid4())),
                metadata=metadata, timeout=10)), grpc.StatusCode.PERMISSION_DENIED, "SERVICE_ONLY")
    refused(lambda: export(mstack, "not-a-uuid"), grpc.StatusCode.INVALID_ARGUMENT, "")
    assert export(mstack, str(uuid.uuid4())) == {}     # someone messaging knows nothing about


def test_erasure_leaves_nothing_of_her_and_is_idempotent(mstack, exchange):
    patient, doctor, started = exchange
    other = mstack.new_patient()
    kept = mstack.start_conversation(doctor, other, attachments=[new_file("autre.pdf", pdf())])
    before = objects(mstack)
    with mstack.messaging_engine().connect() as c:
        hers = set(c.exec_driver_sql("SELECT 'messaging/' || object_key FROM attachments WHERE patient_id = %s",
                                     (patient,)).scalars())
    assert len(hers) == 3 and hers <= before
    counts = erase(mstack, patient)
    assert counts["conversations"] == 1 and counts["messages"] == 2 and counts["drafts"] == 1
    assert counts["attachments"] == 3 and counts["objects"] == 3
    assert objects(mstack) == before - hers
    assert export(mstack, patient) == {}
    assert set(erase(mstack, patient).values()) == {0}
    assert mstack.stored_messages(started.conversation_id) == 0
    [message] = mstack.messages(mstack.patient(other), other, kept.conversation_id)
    _, data = mstack.download_attachment(mstack.patient(other), other, message.message_id,
                                         message.attachments[0].attachment_id)
    assert data == pdf()
