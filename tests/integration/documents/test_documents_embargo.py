"""The embargo (DOMAIN §10.3) through gRPC, with a documents replica whose clock the test moves:
invisible to the patient everywhere (list, history label, bell), the author reminded, then visible
after the author's lift or one month after deposit, the patient told exactly once. Also the
professionals' changes told to the patient (MODIF_DOCUMENT, SUPP_DOC) and the minor's secrecy."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb

from devtools.eventually import eventually
from documents_samples import pdf

PENDING = "Document en attente de consultation d'annonce"
ONE_MONTH_AND_A_MINUTE = timedelta(days=31, minutes=1)


class Clock:
    """Real time moved forward by what the test asks."""

    def __init__(self):
        self._offset, self._lock = timedelta(), threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return datetime.now(timezone.utc) + self._offset

    def move(self, by: timedelta) -> None:
        with self._lock:
            self._offset += by


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def replicas(stack, clock):
    """Two documents replicas on the moved clock, each running the automatic lift every 0.1 s."""
    started = [stack.start_documents_replica(now=clock, embargo_interval=0.1) for _ in range(2)]
    yield [stub for stub, _ in started]
    for _, stop in started:
        stop()


def deposit(stack, docs, pro, patient, **fields) -> pb.Document:
    def requests():
        yield pb.UploadDocumentRequest(metadata=pb.UploadDocumentMetadata(
            patient_id=patient, type_code="11488-4", **{"title": "Biopsie : carcinome", **fields}))
        yield pb.UploadDocumentRequest(chunk=pdf())
    return docs.UploadDocument(requests(), metadata=stack.professional(pro), timeout=30)


def listed(stack, docs, patient, metadata=None, **filters) -> list[str]:
    reply = docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, **filters),
                               metadata=metadata or stack.patient(patient), timeout=10)
    return [d.document_id for d in reply.documents]


def history(stack, patient, metadata=None) -> list[apb.Record]:
    reply = stack.audit.ListActivity(apb.ListActivityRequest(patient_id=patient, page_size=200),
                                     metadata=metadata or stack.patient(patient), timeout=10)
    return list(reply.records)


def labels_about(stack, patient, document_id, action, metadata=None) -> list[str]:
    """The history labels of the document's records of one action, found by their ids (operators' view)."""
    ids = {r.record_id for r in stack.records_about(patient, document_id, action)}
    return [r.resource_label for r in history(stack, patient, metadata) if r.record_id in ids]


def relayed(stack) -> None:
    eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")


class TestEmbargo:
    def test_invisible_everywhere_then_visible_one_month_after_deposit(self, stack, replicas, clock):
        docs = replicas[0]
        patient, author = stack.new_patient(), stack.new_professional("10")
        hidden = deposit(stack, docs, author, patient, hidden_from_patient=True)
        relayed(stack)

        assert hidden.document_id not in listed(stack, docs, patient)
        with pytest.raises(grpc.RpcError) as caught:
            docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=hidden.document_id),
                             metadata=stack.patient(patient), timeout=10)
        assert caught.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)
        assert stack.bell(patient, "AJOUT_DOCUMENT") == [] and stack.bell(patient, "REMISE_VISIBILITE_AUTO") == []
        assert labels_about(stack, patient, hidden.document_id, apb.ACTION_CREATE) == [PENDING]
        shown = [r for r in history(stack, patient) if r.resource_label == PENDING]
        assert shown and all(r.actor.id == "" and r.actor.display_name == "" and r.resource_id == "" for r in shown)
        list_labels = [r.resource_label for r in history(stack, patient) if r.action == apb.ACTION_LIST]
        assert list_labels and all(label.startswith("0 document(s)") for label in list_labels)   # not counted

        (reminder,) = stack.published(patient, "RAPPEL_CONSULTATION_ANNONCE")
        assert reminder["professional_id"] == author.professional_id and reminder["document_id"] == hidden.document_id
        assert reminder["professional_email"].endswith("@example.org")
        lift_at = datetime.fromisoformat(reminder["visible_from"])
        assert timedelta(days=28) <= lift_at - clock() <= timedelta(days=31)

        clock.move(ONE_MONTH_AND_A_MINUTE)
        eventually(lambda: hidden.document_id in listed(stack, docs, patient), what="the automatic lift")
        relayed(stack)
        eventually(lambda: len(stack.bell(patient, "REMISE_VISIBILITE_AUTO")) == 1, what="the patient told")
        assert stack.bell(patient, "AJOUT_DOCUMENT") == []
        assert labels_about(stack, patient, hidden.document_id, apb.ACTION_CREATE) == ["Biopsie : carcinome"]
        clock.move(timedelta(minutes=1))    # later passes of both replicas tell nothing more
        relayed(stack)
        assert len(stack.bell(patient, "REMISE_VISIBILITE_AUTO")) == 1
        assert len(stack.published(patient, "REMISE_VISIBILITE_AUTO")) == 1

    def test_a_replica_started_after_downtime_lifts_everything_overdue(self, stack, clock):
        patient, author = stack.new_patient(), stack.new_professional("10")
        hidden = [deposit(stack, stack.docs, author, patient, hidden_from_patient=True).document_id for _ in range(3)]
        clock.move(ONE_MONTH_AND_A_MINUTE)           # nothing ran the lift meanwhile
        docs, stop = stack.start_documents_replica(now=clock, embargo_interval=3600)    # its first pass at start
        try:
            eventually(lambda: set(hidden) <= set(listed(stack, docs, patient)), what="the overdue lifts")
            relayed(stack)
            assert len(stack.published(patient, "REMISE_VISIBILITE_AUTO")) == 3
        finally:
            stop()

    def test_the_author_lifts_it_and_only_the_author(self, stack, replicas):
        docs = replicas[0]
        patient, author, other = stack.new_patient(), stack.new_professional("10"), stack.new_professional("10")
        until = datetime.now(timezone.utc) + timedelta(days=10)
        hidden = deposit(stack, docs, author, patient, hidden_from_patient=True,
                         hidden_from_patient_until=until)
        lift = pb.SetDocumentVisibilityRequest(patient_id=patient, document_id=hidden.document_id,
                                               hidden_from_patient=False)
        for metadata in (stack.patient(patient), stack.professional(other)):
            with pytest.raises(grpc.RpcError) as caught:
                docs.SetDocumentVisibility(lift, metadata=metadata, timeout=10)
            assert caught.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)
        assert hidden.document_id not in listed(stack, docs, patient)

        docs.SetDocumentVisibility(lift, metadata=stack.professional(author), timeout=10)
        assert hidden.document_id in listed(stack, docs, patient)
        relayed(stack)
        eventually(lambda: len(stack.bell(patient, "REMISE_VISIBILITE_AUTO")) == 1, what="the patient told")
        assert stack.bell(patient, "MODIF_DOCUMENT") == []
        assert labels_about(stack, patient, hidden.document_id, apb.ACTION_CREATE) == ["Biopsie : carcinome"]
        lifted = stack.records_about(patient, hidden.document_id, apb.ACTION_VISIBILITY_CHANGE)
        assert [r.actor.id for r in lifted if r.decision == apb.DECISION_ALLOWED] == [author.professional_id]
        assert len([r for r in lifted if r.decision == apb.DECISION_DENIED]) == 2

    def test_a_document_deleted_before_its_announcement_stays_neutral_and_untold(self, stack, replicas, clock):
        docs = replicas[0]
        patient, author = stack.new_patient(), stack.new_professional("10")
        hidden = deposit(stack, docs, author, patient, hidden_from_patient=True)
        docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=hidden.document_id),
                            metadata=stack.professional(author), timeout=10)
        clock.move(ONE_MONTH_AND_A_MINUTE)
        relayed(stack)
        assert stack.bell(patient, "SUPP_DOC") == [] and stack.bell(patient, "REMISE_VISIBILITE_AUTO") == []
        assert labels_about(stack, patient, hidden.document_id, apb.ACTION_DELETE) == [PENDING]
        assert hidden.document_id not in listed(stack, docs, patient, include_deleted=True)   # no tombstone either

    def test_a_folder_never_counts_a_document_embargoed_after_it_was_filed(self, stack):
        patient, author = stack.new_patient(), stack.new_professional("10")
        document = deposit(stack, stack.docs, author, patient, title="Compte rendu")
        me = stack.patient(patient)
        folder = stack.docs.CreateFolder(pb.CreateFolderRequest(patient_id=patient, name="Oncologie"), metadata=me)
        stack.docs.UpdateDocument(pb.UpdateDocumentRequest(patient_id=patient, document_id=document.document_id,
                                                           folder_id=folder.folder_id), metadata=me)
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=document.document_id, hidden_from_patient=True),
            metadata=stack.professional(author))
        (shown,) = stack.docs.ListFolders(pb.ListFoldersRequest(patient_id=patient), metadata=me).folders
        assert shown.document_count == 0
        renamed = stack.docs.UpdateFolder(pb.UpdateFolderRequest(patient_id=patient, folder_id=folder.folder_id,
                                                                 name="Suivi"), metadata=me)
        assert renamed.document_count == 0
        relayed(stack)
        assert len(stack.published(patient, "RAPPEL_CONSULTATION_ANNONCE")) == 1    # set later: reminded too

    def test_a_date_in_the_past_is_refused(self, stack):
        patient, author = stack.new_patient(), stack.new_professional("10")
        with pytest.raises(grpc.RpcError) as caught:
            deposit(stack, stack.docs, author, patient, hidden_from_patient=True,
                    hidden_from_patient_until=datetime.now(timezone.utc) - timedelta(days=1))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


class TestProfessionalChangesAreTold:
    def test_the_authors_mask_and_deletion_are_told_the_patients_own_changes_are_not(self, stack):
        patient, author = stack.new_patient(), stack.new_professional("10")
        document = deposit(stack, stack.docs, author, patient, title="Compte rendu")
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=document.document_id, masked=False), metadata=stack.patient(patient))
        relayed(stack)
        assert stack.bell(patient, "MODIF_DOCUMENT") == []
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=document.document_id, masked=True), metadata=stack.professional(author))
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=document.document_id),
                                  metadata=stack.professional(author))
        relayed(stack)
        eventually(lambda: len(stack.bell(patient, "MODIF_DOCUMENT")) == 1, what="the mask told")
        eventually(lambda: len(stack.bell(patient, "SUPP_DOC")) == 1, what="the deletion told")
        (modified,) = stack.published(patient, "MODIF_DOCUMENT")
        assert modified["actor_display"].startswith("Paul Bernard")


    def test_nothing_is_told_of_an_embargoed_document_nor_of_the_patients_own_deletion(self, stack):
        patient, author = stack.new_patient(), stack.new_professional("10")
        hidden = deposit(stack, stack.docs, author, patient, hidden_from_patient=True)
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=hidden.document_id, masked=True), metadata=stack.professional(author))
        own = stack.upload(stack.patient(patient), pdf(), patient_id=patient, title="Mon bilan",
                           category=pb.DOCUMENT_CATEGORY_ORD_SOIN)
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=own.document_id),
                                  metadata=stack.patient(patient))
        relayed(stack)
        assert stack.published(patient, "MODIF_DOCUMENT") == [] and stack.published(patient, "SUPP_DOC") == []

    def test_a_minors_hidden_document_is_told_to_her_own_channels_only(self, stack):
        parent = stack.new_patient()
        child = stack.new_patient(age=15, legal_representative=parent)
        author = stack.new_professional("10")
        secret = deposit(stack, stack.docs, author, child, hidden_from_legal_representatives=True)
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=child, document_id=secret.document_id, masked=True), metadata=stack.professional(author))
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=child, document_id=secret.document_id),
                                  metadata=stack.professional(author))
        relayed(stack)
        told = stack.published(child, "MODIF_DOCUMENT") + stack.published(child, "SUPP_DOC")
        assert len(told) == 2 and all(n["hidden_from_legal_representatives"] is True for n in told)


class TestMinorsSecrecy:
    def test_the_legal_representative_sees_nothing_of_the_hidden_document(self, stack):
        parent = stack.new_patient()
        child = stack.new_patient(age=15, legal_representative=parent)
        author = stack.new_professional("10")
        secret = deposit(stack, stack.docs, author, child, title="Consultation confidentielle",
                         hidden_from_legal_representatives=True)
        seen = deposit(stack, stack.docs, author, child, title="Vaccins")
        as_parent = stack.delegate(parent, child)
        assert listed(stack, stack.docs, child, as_parent) == [seen.document_id]
        assert set(listed(stack, stack.docs, child)) == {secret.document_id, seen.document_id}
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=child, document_id=secret.document_id),
                                  metadata=stack.professional(author), timeout=10)
        assert listed(stack, stack.docs, child, as_parent, include_deleted=True) == [seen.document_id]   # no tombstone
        assert set(listed(stack, stack.docs, child, include_deleted=True)) == {secret.document_id, seen.document_id}
        relayed(stack)
        parent_history = history(stack, child, as_parent)
        assert all(r.resource_label != "Consultation confidentielle" for r in parent_history)
        assert {r.resource_id for r in parent_history} >= {seen.document_id} and \
            secret.document_id not in {r.resource_id for r in parent_history}
        assert "Consultation confidentielle" in {r.resource_label for r in history(stack, child)}
        added = {p["document_id"]: p for p in stack.published(child, "AJOUT_DOCUMENT")}
        assert added[secret.document_id].get("hidden_from_legal_representatives") is True
        assert "hidden_from_legal_representatives" not in added[seen.document_id]

    def test_an_access_to_a_hidden_document_is_its_own_notice(self, stack):
        parent = stack.new_patient()
        child = stack.new_patient(age=15, legal_representative=parent)
        author = stack.new_professional("10")
        secret = deposit(stack, stack.docs, author, child, hidden_from_legal_representatives=True)
        seen = deposit(stack, stack.docs, author, child)
        for document in (secret, seen, secret, seen):
            stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=child, document_id=document.document_id),
                                   metadata=stack.professional(author))
        relayed(stack)
        notices = stack.published(child, "ACCES_DMP_PS")
        assert sorted(bool(n.get("hidden_from_legal_representatives")) for n in notices) == [False, True]
