"""Export ("Télécharger mes données", DOMAIN §4.4) as the holder sees it: she asks, the archive is
built in the background from each service's ExportSubjectData, she is told it is ready, she downloads
one ZIP holding her documents byte for byte; the request and the download are in her history; the
link expires and the bytes go; nobody else may ask; a second request while one runs is refused."""
from __future__ import annotations

import json

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.exports.v1 import exports_pb2 as epb

from devtools.eventually import eventually
from documents_harness import error_reason
from documents_samples import TEXT, png
from exports_harness import unzip
from meskit.auth import DELEGATE, Caller


def refused(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code(), error_reason(caught.value)


def ask(stack, patient: str, metadata=None) -> epb.Export:
    return stack.exports.RequestExport(epb.RequestExportRequest(patient_id=patient),
                                       metadata=metadata or stack.patient(patient), timeout=10)


def deposit(stack, patient: str, data: bytes, title: str) -> pb.Document:
    return stack.upload(stack.patient(patient), data, patient_id=patient, title=title,
                        category=pb.DOCUMENT_CATEGORY_AUTR_DOC)


def test_her_archive_holds_her_documents_byte_for_byte_and_she_is_told_when_it_is_ready(stack):
    patient = stack.new_patient()
    mine = [deposit(stack, patient, TEXT, "Compte rendu"), deposit(stack, patient, png((800, 600)), "Radio")]

    asked = ask(stack, patient)
    assert asked.state == epb.EXPORT_STATE_RUNNING
    ready = stack.build_exports(patient, asked.export_id)

    assert ready.state == epb.EXPORT_STATE_READY
    assert ready.expires_at.ToSeconds() - ready.ready_at.ToSeconds() == 48 * 3600
    export, data = stack.download_export(stack.patient(patient), patient, asked.export_id)
    assert (len(data), export.content_type, export.filename.endswith(".zip")) == (ready.size_bytes, "application/zip",
                                                                                  True)
    files = unzip(data)
    listing = json.loads(files["documents/documents.json"])
    for document in mine:
        _, downloaded = stack.download(stack.patient(patient), patient, document.document_id)
        entry = next(d for d in listing["documents"] if d["document_id"] == document.document_id)
        assert files[entry["file"]] == downloaded
    manifest = json.loads(files["export.json"])
    assert manifest["export_id"] == asked.export_id
    assert (manifest["services"], manifest["services_without_export"]) == (["documents"], ["messaging"])
    assert {f["path"] for f in manifest["files"]} == {n for n in files if n.startswith("documents/")}
    assert "LISEZMOI.txt" in files

    bell = eventually(lambda: stack.bell(patient, "EXPORT_DISPONIBLE"), timeout=20)
    assert len(bell) == 1
    expected = {("exports", apb.ACTION_EXPORT), ("exports", apb.ACTION_DOWNLOAD), ("documents", apb.ACTION_EXPORT)}
    eventually(lambda: expected <= {(r.service, r.action) for r in stack.records(patient)
                                    if r.resource_id == asked.export_id}, timeout=20)


def test_a_second_request_while_one_runs_is_refused_and_nothing_changes(stack):
    patient = stack.new_patient()
    first = ask(stack, patient)
    assert refused(lambda: ask(stack, patient)) == (grpc.StatusCode.FAILED_PRECONDITION, "EXPORT_RUNNING")
    listed = stack.exports.ListExports(epb.ListExportsRequest(patient_id=patient), metadata=stack.patient(patient),
                                       timeout=10)
    assert [e.export_id for e in listed.exports] == [first.export_id]
    assert refused(lambda: stack.download_export(stack.patient(patient), patient, first.export_id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "EXPORT_NOT_READY")
    stack.build_exports(patient, first.export_id)
    assert ask(stack, patient).state == epb.EXPORT_STATE_RUNNING     # once built, she may ask again


def test_nobody_but_the_holder_may_ask_follow_or_download(stack):
    patient, other = stack.new_patient(), stack.new_patient()
    doctor = stack.new_professional("10")
    asked = ask(stack, patient)
    for metadata in (stack.patient(other), stack.professional(doctor), stack.delegate(other, patient),
                     stack.service("documents")):
        assert refused(lambda: ask(stack, patient, metadata))[0] == grpc.StatusCode.PERMISSION_DENIED
        assert refused(lambda: stack.exports.GetExport(epb.GetExportRequest(
            patient_id=patient, export_id=asked.export_id), metadata=metadata, timeout=10))[0] == \
            grpc.StatusCode.PERMISSION_DENIED
    assert refused(lambda: stack.exports.GetExport(epb.GetExportRequest(
        patient_id=other, export_id=asked.export_id), metadata=stack.patient(other), timeout=10)) == (
        grpc.StatusCode.NOT_FOUND, "")
    stack.build_exports(patient, asked.export_id)


def test_a_minors_legal_representative_is_refused_her_archive(stack):
    """It would hold what the minor keeps from her representatives (DOMAIN §10.4)."""
    parent = stack.new_patient()
    child = stack.new_patient(age=9, legal_representative=parent)
    acting = stack.token(Caller(DELEGATE, parent, on_behalf_of=child, delegation="LEGAL_REPRESENTATION"))
    assert refused(lambda: ask(stack, child, acting)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_THE_HOLDER")


def test_the_link_expires_and_the_bytes_are_deleted(stack):
    patient = stack.new_patient()
    deposit(stack, patient, TEXT, "Compte rendu")
    asked = ask(stack, patient)
    stack.build_exports(patient, asked.export_id)
    assert any(asked.export_id in name for name in stack.archives())
    stack.move_clock(49 * 3600)
    try:
        assert refused(lambda: stack.download_export(stack.patient(patient), patient, asked.export_id)) == (
            grpc.StatusCode.FAILED_PRECONDITION, "EXPORT_EXPIRED")
        assert not any(asked.export_id in name for name in stack.archives())
        found = stack.exports.GetExport(epb.GetExportRequest(patient_id=patient, export_id=asked.export_id),
                                        metadata=stack.patient(patient), timeout=10)
        assert (found.state, found.size_bytes) == (epb.EXPORT_STATE_EXPIRED, 0)
    finally:
        stack.move_clock(0)


def test_the_job_expires_archives_nobody_downloads(stack):
    patient = stack.new_patient()
    asked = ask(stack, patient)
    stack.build_exports(patient, asked.export_id)
    stack.move_clock(49 * 3600)
    try:
        stop = stack.start_exports_replica()
        try:
            eventually(lambda: not any(asked.export_id in name for name in stack.archives()), timeout=20)
        finally:
            stop()
    finally:
        stack.move_clock(0)


def test_two_replicas_build_each_export_once(stack):
    patients = [stack.new_patient() for _ in range(3)]
    asked = [ask(stack, p) for p in patients]
    stops = [stack.start_exports_replica(), stack.start_exports_replica()]
    try:
        for p, a in zip(patients, asked):
            eventually(lambda: stack._settled(p, a.export_id), timeout=30)
    finally:
        for stop in stops:
            stop()
    for p in patients:
        assert len(eventually(lambda: stack.bell(p, "EXPORT_DISPONIBLE"), timeout=20)) == 1
