"""No answer tells whether an id exists (issue 10, point 8). For what is outside the caller's reach,
every RPC naming a document, a folder, an activity record or an account answers byte for byte (code,
message, encoded google.rpc.Status) as it does for an id that exists nowhere; the attempt is audited."""
from __future__ import annotations

import uuid

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.eventually import eventually
from devtools.rpc_errors import answer_of
from documents_samples import TEXT, pdf

NOWHERE = "00000000-0000-4000-8000-000000000000"      # an id no space holds
HIDDEN_AS_MISSING = (grpc.StatusCode.NOT_FOUND, "Document introuvable")


def document_calls(stack, metadata, patient: str, document_id: str, **access):
    """Every RPC that names one document, each as a call."""
    justification = {"access": pb.AccessJustification(**access)} if access else {}
    docs = stack.docs
    return {
        "GetDocument": lambda: docs.GetDocument(pb.GetDocumentRequest(
            patient_id=patient, document_id=document_id, **justification), metadata=metadata, timeout=10),
        "DownloadDocument": lambda: list(docs.DownloadDocument(pb.DownloadDocumentRequest(
            patient_id=patient, document_id=document_id, **justification), metadata=metadata, timeout=10)),
        "UpdateDocument(title)": lambda: docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=patient, document_id=document_id, title="Autre titre"), metadata=metadata, timeout=10),
        "UpdateDocument(pinned)": lambda: docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=patient, document_id=document_id, pinned=True), metadata=metadata, timeout=10),
        "SetDocumentVisibility": lambda: docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=document_id, masked=True), metadata=metadata, timeout=10),
        "DeleteDocument": lambda: docs.DeleteDocument(pb.DeleteDocumentRequest(
            patient_id=patient, document_id=document_id), metadata=metadata, timeout=10),
        "BatchDeleteDocuments": lambda: docs.BatchDeleteDocuments(pb.BatchDeleteDocumentsRequest(
            patient_id=patient, document_ids=[document_id]), metadata=metadata, timeout=10),
    }


def answers(stack, metadata, patient: str, document_id: str, **access) -> dict:
    return {name: answer_of(call) for name, call in document_calls(stack, metadata, patient, document_id,
                                                                   **access).items()}


def assert_told_as_missing(stack, metadata, patient: str, document_id: str, **access) -> dict:
    """The answers for `document_id` are those for an id that exists nowhere, and each is a refusal."""
    theirs = answers(stack, metadata, patient, document_id, **access)
    assert theirs == answers(stack, metadata, patient, NOWHERE, **access)
    return theirs


def assert_intact(stack, patient: str, author_metadata, document: pb.Document) -> None:
    """Nothing was changed by the refused calls (read by someone who may)."""
    now = stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document.document_id),
                                 metadata=author_metadata, timeout=10)
    assert (now.title, now.pinned, now.visibility.masked, now.state) == (
        document.title, document.pinned, document.visibility.masked, document.state)


def by(stack, patient: str, document_id: str, actor_id: str) -> list:
    """The audit records of one actor's attempts on one document."""
    return [r for r in stack.records_about(patient, document_id) if r.actor.id == actor_id]


@pytest.fixture
def space(stack):
    """A patient, her GP in her care team who filed a report, a doctor and an optician in her care team."""
    patient = stack.new_patient()
    gp, doctor, optician = stack.new_professional("10"), stack.new_professional("10"), stack.new_professional("28")
    for member in (gp, doctor, optician):
        stack.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
            patient_id=patient, professional_id=member.professional_id), metadata=stack.patient(patient), timeout=10)
    report = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR", type_code="47420-5")
    return patient, gp, doctor, optician, report


class TestDocuments:
    def test_another_patients_document_or_space_answers_as_one_that_does_not_exist(self, stack, space):
        patient, gp, _, _, report = space
        other = stack.new_patient()
        theirs = assert_told_as_missing(stack, stack.patient(other), patient, report.document_id)
        assert {answer[0] for answer in theirs.values()} == {grpc.StatusCode.PERMISSION_DENIED}
        # a space that does not exist answers as hers does
        assert answers(stack, stack.patient(other), NOWHERE, NOWHERE) == theirs
        assert_intact(stack, patient, stack.professional(gp), report)
        expected = len(theirs)    # changes reach audit through the outbox
        eventually(lambda: len(by(stack, patient, report.document_id, other)) == expected, what="attempts audited")
        refused = by(stack, patient, report.document_id, other)
        assert refused and {(r.decision, r.rule) for r in refused} == {(apb.DECISION_DENIED, "not_the_patient")}, \
            {(r.action, r.rule) for r in refused}

    def test_a_document_the_matrix_closes_to_a_professional_answers_as_missing(self, stack, space):
        patient, gp, _, optician, _ = space
        delivery = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR d'accouchement",
                                type_code="15508-5")     # closed to opticians by the seed matrix (DOMAIN §1.4)
        theirs = assert_told_as_missing(stack, stack.professional(optician), patient, delivery.document_id)
        assert {answer[:2] for answer in theirs.values()} == {HIDDEN_AS_MISSING}
        assert not any(b"ErrorInfo" in answer[2] or b"BadRequest" in answer[2] for answer in theirs.values())
        assert_intact(stack, patient, stack.professional(gp), delivery)
        reads = [r for r in by(stack, patient, delivery.document_id, optician.professional_id)
                 if r.action == apb.ACTION_READ]
        assert reads and {r.rule for r in reads} == {"matrix_denied"}    # the patient's trail names the rule

    def test_a_masked_document_answers_as_missing(self, stack, space):
        patient, gp, doctor, _, report = space
        masked = stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=report.document_id, masked=True), metadata=stack.patient(patient))
        theirs = assert_told_as_missing(stack, stack.professional(doctor), patient, report.document_id)
        assert {answer[:2] for answer in theirs.values()} == {HIDDEN_AS_MISSING}
        assert_intact(stack, patient, stack.professional(gp), masked)

    def test_an_embargoed_document_answers_the_patient_as_missing(self, stack, space):
        patient, gp, _, _, _ = space
        result = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="Résultat",
                              type_code="11502-2", hidden_from_patient=True)
        theirs = assert_told_as_missing(stack, stack.patient(patient), patient, result.document_id)
        assert {answer[:2] for answer in theirs.values()} == {HIDDEN_AS_MISSING}
        assert_intact(stack, patient, stack.professional(gp), result)

    def test_a_document_hidden_from_the_legal_representatives_answers_them_as_missing(self, stack):
        parent = stack.new_patient(age=40)
        child = stack.new_patient(age=10, legal_representative=parent)
        gp = stack.new_professional("10")
        secret = stack.upload(stack.professional(gp), pdf(), patient_id=child, title="Consultation",
                              type_code="11488-4", hidden_from_legal_representatives=True)
        theirs = assert_told_as_missing(stack, stack.delegate(parent, child), child, secret.document_id)
        assert {answer[:2] for answer in theirs.values()} == {HIDDEN_AS_MISSING}
        assert_intact(stack, child, stack.professional(gp), secret)

    def test_a_deleted_document_answers_as_missing(self, stack, space):
        patient, gp, doctor, _, report = space
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=report.document_id),
                                  metadata=stack.professional(gp))
        for metadata in (stack.professional(doctor), stack.patient(patient)):
            theirs = assert_told_as_missing(stack, metadata, patient, report.document_id)
            assert {answer[:2] for answer in theirs.values()} == {HIDDEN_AS_MISSING}

    def test_a_blocked_professional_is_told_so_for_every_id_alike(self, stack, space):
        """The block depends on the patient only, whom the professional knows: it may be said."""
        patient, gp, doctor, _, report = space
        stack.identity.BlockProfessional(ipb.BlockProfessionalRequest(
            patient_id=patient, professional_id=doctor.professional_id), metadata=stack.patient(patient), timeout=10)
        theirs = assert_told_as_missing(stack, stack.professional(doctor), patient, report.document_id)
        assert {answer[0] for answer in theirs.values()} == {grpc.StatusCode.PERMISSION_DENIED}
        assert_intact(stack, patient, stack.professional(gp), report)

    def test_a_break_glass_the_patient_opposed_is_told_so_for_every_id_alike(self, stack, space):
        patient, _, _, _, report = space
        stack.identity.UpdateEmergencySettings(ipb.UpdateEmergencySettingsRequest(
            patient_id=patient, emergency=ipb.EmergencySettings(samu_access=True, break_glass=False)),
            metadata=stack.patient(patient), timeout=10)
        urgentist = stack.new_professional("10")
        access = {"mode": pb.ACCESS_MODE_BRIS_DE_GLACE, "justification": "Patiente inconsciente aux urgences",
                  **stack.typed_identity(patient)}
        reads = ("GetDocument", "DownloadDocument")     # the calls that carry an access mode
        calls = document_calls(stack, stack.professional(urgentist), patient, report.document_id, **access)
        missing = document_calls(stack, stack.professional(urgentist), patient, NOWHERE, **access)
        for name in reads:
            assert answer_of(calls[name]) == answer_of(missing[name])
            assert answer_of(calls[name])[0] == grpc.StatusCode.PERMISSION_DENIED

    def test_a_missing_id_is_audited_like_a_refused_one(self, stack, space):
        patient, _, doctor, _, _ = space
        missing = str(uuid.uuid4())
        for call in document_calls(stack, stack.professional(doctor), patient, missing).values():
            answer_of(call)
        expected = len(document_calls(stack, None, patient, missing))    # changes reach audit through the outbox
        eventually(lambda: len(stack.records_about(patient, missing)) == expected, what="every attempt audited")
        attempts = stack.records_about(patient, missing)
        assert {(r.decision, r.rule) for r in attempts} == {(apb.DECISION_DENIED, "document_not_found")}


class TestSpaces:
    def test_another_patients_space_answers_as_one_that_does_not_exist(self, stack):
        """Lists, deposits and folders of a space: the same refusal whether the space exists or not."""
        patient, other = stack.new_patient(), stack.new_patient()
        meta = stack.patient(other)

        def calls(space: str):
            return [
                answer_of(lambda: stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=space), metadata=meta,
                                                           timeout=10)),
                answer_of(lambda: stack.upload(meta, TEXT, patient_id=space, title="Note",
                                               category=pb.DOCUMENT_CATEGORY_AUTR_DOC)),
                answer_of(lambda: stack.docs.ListFolders(pb.ListFoldersRequest(patient_id=space), metadata=meta,
                                                         timeout=10)),
                answer_of(lambda: stack.docs.CreateFolder(pb.CreateFolderRequest(patient_id=space, name="x"),
                                                          metadata=meta, timeout=10)),
                answer_of(lambda: stack.docs.MaskAllDocuments(pb.MaskAllDocumentsRequest(patient_id=space, masked=True),
                                                              metadata=meta, timeout=10))]
        theirs = calls(patient)
        assert theirs == calls(NOWHERE)
        assert {answer[0] for answer in theirs} == {grpc.StatusCode.PERMISSION_DENIED}
        assert stack.rows(patient) == 0


class TestFolders:
    def test_another_patients_folder_answers_as_one_that_does_not_exist(self, stack):
        patient, other = stack.new_patient(), stack.new_patient()
        folder = stack.docs.CreateFolder(pb.CreateFolderRequest(patient_id=patient, name="Cardiologie"),
                                         metadata=stack.patient(patient), timeout=10)

        def calls(space: str, folder_id: str):
            meta = stack.patient(other)
            return [answer_of(lambda: stack.docs.UpdateFolder(pb.UpdateFolderRequest(
                        patient_id=space, folder_id=folder_id, name="x"), metadata=meta, timeout=10)),
                    answer_of(lambda: stack.docs.DeleteFolder(pb.DeleteFolderRequest(
                        patient_id=space, folder_id=folder_id), metadata=meta, timeout=10))]
        assert calls(patient, folder.folder_id) == calls(patient, NOWHERE) == calls(NOWHERE, NOWHERE)
        assert calls(other, folder.folder_id) == calls(other, NOWHERE)     # her folder named in his own space
        own = stack.upload(stack.patient(other), TEXT, patient_id=other, title="Note",
                           category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
        filing = [answer_of(lambda f=f: stack.docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=other, document_id=own.document_id, folder_id=f), metadata=stack.patient(other), timeout=10))
            for f in (folder.folder_id, NOWHERE)]
        assert filing[0] == filing[1]


class TestActivityRecords:
    def test_another_patients_record_answers_as_one_that_does_not_exist(self, stack, space):
        patient, _, _, _, report = space
        other = stack.new_patient()
        stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=report.document_id),
                               metadata=stack.patient(patient), timeout=10)
        record_id = stack.records_about(patient, report.document_id, apb.ACTION_READ)[0].record_id

        def get(space: str, wanted: str):
            return answer_of(lambda: stack.audit.GetRecord(apb.GetRecordRequest(patient_id=space, record_id=wanted),
                                                           metadata=stack.patient(other), timeout=10))
        assert get(patient, record_id) == get(patient, NOWHERE) == get(NOWHERE, NOWHERE)
        assert get(other, record_id) == get(other, NOWHERE)
        assert get(other, record_id)[0] == grpc.StatusCode.NOT_FOUND


class TestAccounts:
    def test_another_patients_account_and_settings_answer_as_ones_that_do_not_exist(self, stack):
        patient, other = stack.new_patient(), stack.new_patient()
        meta = stack.patient(other)
        for ask in (lambda a: stack.identity.GetAccount(ipb.GetAccountRequest(account_id=a), metadata=meta, timeout=10),
                    lambda a: stack.identity.GetAccessSettings(ipb.GetAccessSettingsRequest(patient_id=a),
                                                               metadata=meta, timeout=10)):
            assert answer_of(lambda: ask(patient)) == answer_of(lambda: ask(NOWHERE))
