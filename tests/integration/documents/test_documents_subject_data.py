"""Documents' part of a space's whole life (mes.lifecycle.v1): the export of a person's documents for
the exports service (original bytes and metadata under `documents/`, audited before it leaves, other
callers refused) and their erasure once identity has the space deleted (bytes and rows, idempotent)."""
from __future__ import annotations

import json

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from devtools.eventually import eventually
from documents_harness import error_reason
from documents_samples import TEXT, png
from meskit import db

EXPORT_ID = "0b9f8c1e-5a42-4c1e-9a55-7d5b0c0e1f00"


def exported(stack, metadata, account_id: str) -> dict[str, tuple[str, bytes]]:
    stub = lifecycle_pb2_grpc.SubjectDataServiceStub(stack._channel("documents"))
    files: dict[str, tuple[str, bytes]] = {}
    for chunk in stub.ExportSubjectData(lpb.ExportSubjectDataRequest(account_id=account_id, export_id=EXPORT_ID),
                                        metadata=metadata, timeout=30):
        content_type, data = files.get(chunk.path, (chunk.content_type, b""))
        files[chunk.path] = (content_type, data + chunk.data)
    return files


def deposit(stack, patient: str, data: bytes, title: str) -> pb.Document:
    return stack.upload(stack.patient(patient), data, patient_id=patient, title=title,
                        category=pb.DOCUMENT_CATEGORY_AUTR_DOC)


def test_the_export_holds_every_document_byte_for_byte_with_its_metadata_and_is_audited(stack):
    patient = stack.new_patient()
    image = png(size=(900, 700))       # several chunks of the store's stream
    text, picture = deposit(stack, patient, TEXT, "Compte rendu"), deposit(stack, patient, image, "Radio")

    files = exported(stack, stack.service("exports"), patient)

    listing = json.loads(files.pop("documents/documents.json")[1])
    by_id = {d["document_id"]: d for d in listing["documents"]}
    assert set(by_id) == {text.document_id, picture.document_id}
    assert by_id[picture.document_id]["title"] == "Radio"
    for document in (text, picture):     # the bytes she downloads (an image is stored as documents converted it)
        _, downloaded = stack.download(stack.patient(patient), patient, document.document_id)
        content_type, stored = files[by_id[document.document_id]["file"]]
        assert (stored, content_type) == (downloaded, document.content_type)
    assert files[by_id[text.document_id]["file"]][1] == TEXT
    assert len(files) == 2
    exports = [r for r in stack.records(patient) if r.action == apb.ACTION_EXPORT]
    assert [(r.service, r.resource_id, r.rule) for r in exports] == [("documents", EXPORT_ID, "subject_export")]


def test_a_person_without_documents_gets_an_empty_stream(stack):
    assert exported(stack, stack.service("exports"), stack.new_patient()) == {}


@pytest.mark.parametrize("caller", ["the patient", "another service"])
def test_only_the_exports_service_may_export(stack, caller):
    patient = stack.new_patient()
    deposit(stack, patient, TEXT, "Compte rendu")
    metadata = stack.patient(patient) if caller == "the patient" else stack.service("messaging")
    with pytest.raises(grpc.RpcError) as caught:
        exported(stack, metadata, patient)
    assert (caught.value.code(), error_reason(caught.value)) == (grpc.StatusCode.PERMISSION_DENIED,
                                                                 "NOT_THE_SERVICE")


def test_a_malformed_request_is_refused(stack):
    with pytest.raises(grpc.RpcError) as caught:
        exported(stack, stack.service("exports"), "")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def erasing_deps(stack):
    """The erase of the documents service, with its real database and object store."""
    from documents.adapters.matrix_file import load_matrix
    from documents.adapters.repository import DocumentsRepository
    from documents.config import DocumentsSettings
    from documents.domain.ports import Dependencies
    from documents.wiring import object_store
    settings = stack._settings(DocumentsSettings, "documents", AUDIT_ADDR=stack.address("audit"),
                               S3_ENDPOINT=f"127.0.0.1:{stack.s3_port}",
                               S3_ACCESS_KEY="test", S3_SECRET_KEY="test", S3_BUCKET=stack.bucket,
                               S3_REGION="us-east-1", S3_SECURE="false")
    engine = db.make_engine(stack.urls["documents"])
    return Dependencies(unit_of_work=db.unit_of_work(engine, DocumentsRepository), objects=object_store(settings),
                        contexts=None, audit=None, matrix=load_matrix()), engine


def test_the_erasure_leaves_none_of_her_bytes_nor_rows_and_counts_zero_when_called_again(stack):
    from documents.domain import subject_data
    patient, other = stack.new_patient(), stack.new_patient()
    mine = [deposit(stack, patient, TEXT, "Compte rendu"), deposit(stack, patient, png(), "Radio")]
    stack.docs.CreateFolder(pb.CreateFolderRequest(patient_id=patient, name="Analyses"),
                            metadata=stack.patient(patient), timeout=10)
    theirs = deposit(stack, other, TEXT, "Compte rendu")
    keys = {d.document_id: stack.object_key(d.document_id) for d in (*mine, theirs)}
    deps, engine = erasing_deps(stack)
    try:
        eventually(lambda: stack.pending_outbox() == 0, timeout=20)     # her deposits' records relayed
        erased = subject_data.erase(deps, patient)
        assert (erased["documents"], erased["folders"], erased["objects"]) == (2, 1, 2)
        assert erased["outbox_events"] >= 2
        assert subject_data.erase(deps, patient) == {"documents": 0, "folders": 0, "objects": 0, "outbox_events": 0}
    finally:
        engine.dispose()

    stored = stack.objects()
    assert not any(keys[d.document_id] in name for d in mine for name in stored)
    assert any(keys[theirs.document_id] in name for name in stored)
    assert stack.rows(patient) == 0 and stack.rows(other) == 1
    assert exported(stack, stack.service("exports"), patient) == {}
