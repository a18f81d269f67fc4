"""Pharmacies through gRPC: operators load the directory and the reimbursement feed's visits, the
patient searches (hers first, flagged), her contacts are the pharmacies of her history, and she
(or her caregiver) may write first only to a pharmacy's organisational mailbox (DOMAIN §10.6)."""
from __future__ import annotations

from datetime import date, timedelta

import grpc
from mes.audit.v1 import audit_pb2 as apb
from mes.messaging.v1 import messaging_pb2 as pb

from devtools.rpc_errors import error_details, error_of
from documents_samples import pdf
from messaging_harness import new_file, new_pharmacy, refused, visit
from test_documents_delegate_token import caregiving, switched


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def search(mstack, patient_id: str, metadata=None, **fields) -> pb.SearchPharmaciesResponse:
    return mstack.msg.SearchPharmacies(pb.SearchPharmaciesRequest(patient_id=patient_id, **fields),
                                       metadata=metadata or mstack.patient(patient_id), timeout=10)


def test_the_directory_is_idempotent_on_the_national_id_and_visits_are_recorded_once(mstack):
    pharmacy = new_pharmacy(mstack, city="Villeurbanne", postal_code="69100")
    renamed = pb.Pharmacy(finess=pharmacy.finess, name="Pharmacie des Gratte-Ciel", postal_code="69100",
                          city="Villeurbanne", mssante_address=pharmacy.mssante_address,
                          mailbox_type=pb.MAILBOX_TYPE_ORGANISATIONAL)
    again = mstack.msg.UpsertPharmacies(pb.UpsertPharmaciesRequest(pharmacies=[renamed]), metadata=mstack.operator,
                                        timeout=10)
    assert again.upserted == 1
    patient = mstack.new_patient()
    [found] = search(mstack, patient, query="Gratte-Ciel").pharmacies
    assert (found.pharmacy_id, found.finess, found.name) == (pharmacy.pharmacy_id, pharmacy.finess,
                                                             "Pharmacie des Gratte-Ciel")
    assert visit(mstack, patient, pharmacy, days_ago(3)) == 1
    assert visit(mstack, patient, pharmacy, days_ago(3)) == 0          # the feed replayed: one visit


def test_her_pharmacies_of_the_last_12_months_come_first_flagged_and_only_organisational_mailboxes(mstack):
    patient = mstack.new_patient()
    tag = f"Croix{patient[:6]}"
    near, hers, old = (new_pharmacy(mstack, name=f"Pharmacie {tag} {label}", postal_code="69004")
                       for label in ("A", "B", "C"))
    personal = new_pharmacy(mstack, name=f"Pharmacie {tag} D", postal_code="69004", mailbox=pb.MAILBOX_TYPE_PERSONAL)
    without = new_pharmacy(mstack, name=f"Pharmacie {tag} E", postal_code="69004",
                           mailbox=pb.MAILBOX_TYPE_UNSPECIFIED)
    visit(mstack, patient, hers, days_ago(30))
    visit(mstack, patient, hers, days_ago(10))
    visit(mstack, patient, old, days_ago(400))                          # older than 12 months
    visit(mstack, patient, personal, days_ago(5))                       # cannot receive: never offered

    found = search(mstack, patient, query=tag).pharmacies
    assert [p.pharmacy_id for p in found] == [hers.pharmacy_id, near.pharmacy_id, old.pharmacy_id]
    assert [(p.previously_visited, p.last_visit_date) for p in found] == [(True, days_ago(10)), (False, ""),
                                                                          (False, "")]
    assert all(p.mailbox_type == pb.MAILBOX_TYPE_ORGANISATIONAL for p in found)
    assert without.pharmacy_id not in {p.pharmacy_id for p in found}
    assert [p.pharmacy_id for p in search(mstack, patient, query=tag, visited_only=True).pharmacies] == [hers.pharmacy_id]

    first = search(mstack, patient, query=tag, page_size=2)
    second = search(mstack, patient, query=tag, page_size=2, page_token=first.next_page_token)
    assert [p.pharmacy_id for p in [*first.pharmacies, *second.pharmacies]] == [p.pharmacy_id for p in found]
    assert second.next_page_token == ""
    assert {p.pharmacy_id for p in search(mstack, patient, postal_code="69004", city="lyon", query=tag).pharmacies} \
        == {p.pharmacy_id for p in found}
    assert search(mstack, patient, query=tag, postal_code="75001").pharmacies == []
    # someone else's history does not rank hers
    other = mstack.new_patient()
    assert not any(p.previously_visited for p in search(mstack, other, query=tag).pharmacies)
    # what she was shown of her reimbursements is in her history
    assert any(r.resource_type == "pharmacy_visits" and r.action == apb.ACTION_LIST for r in mstack.records(patient))


def test_contacts_are_the_reachable_pharmacies_of_her_history_with_the_attachment_budget(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    mstack.start_conversation(doctor, patient)                           # a professional who wrote: not a contact
    hers, personal = new_pharmacy(mstack), new_pharmacy(mstack, mailbox=pb.MAILBOX_TYPE_PERSONAL)
    visit(mstack, patient, hers, days_ago(20))
    visit(mstack, patient, personal, days_ago(20))
    reply = mstack.msg.ListContacts(pb.ListContactsRequest(patient_id=patient), metadata=mstack.patient(patient),
                                    timeout=10)
    [contact] = reply.contacts
    assert (contact.participant_id, contact.type, contact.mailbox_type, contact.id_nat, contact.mssante_address) == (
        hers.pharmacy_id, pb.PARTICIPANT_TYPE_ORGANISATION, pb.MAILBOX_TYPE_ORGANISATIONAL, hers.finess,
        hers.mssante_address)
    assert reply.max_attachment_bytes == 10_000_000


def test_she_starts_a_conversation_with_a_pharmacy_and_goes_on_writing_there(mstack):
    patient, pharmacy = mstack.new_patient(), new_pharmacy(mstack)
    mine = mstack.patient(patient)
    started = mstack.msg.CreateConversation(pb.CreateConversationRequest(
        patient_id=patient, recipient_ids=[pharmacy.pharmacy_id], subject="Disponibilité",
        body="Bonjour, avez-vous ce médicament ?"), metadata=mine, timeout=30)
    assert started.started_by == patient and started.state == pb.CONVERSATION_STATE_OPEN
    assert {(p.participant_id, p.type) for p in started.participants} == {
        (patient, pb.PARTICIPANT_TYPE_PATIENT), (pharmacy.pharmacy_id, pb.PARTICIPANT_TYPE_ORGANISATION)}
    again = mstack.reply(mine, patient, started.conversation_id, "Je passe demain.")
    assert [r.participant_id for r in again.recipients] == [pharmacy.pharmacy_id]
    assert [m.body for m in mstack.messages(mine, patient, started.conversation_id)] == [
        "Bonjour, avez-vous ce médicament ?", "Je passe demain."]


def test_a_draft_to_a_pharmacy_is_sent_as_a_new_conversation_with_its_attachment(mstack):
    patient, pharmacy = mstack.new_patient(), new_pharmacy(mstack)
    mine = mstack.patient(patient)
    draft = mstack.msg.CreateDraft(pb.CreateDraftRequest(
        patient_id=patient, recipient_ids=[pharmacy.pharmacy_id], subject="Ordonnance", body="Bonjour",
        attachments=[new_file("ordonnance.pdf", pdf())]), metadata=mine, timeout=10)
    sent = mstack.msg.SendDraft(pb.SendDraftRequest(patient_id=patient, draft_id=draft.draft_id), metadata=mine,
                                timeout=30)
    assert [r.participant_id for r in sent.recipients] == [pharmacy.pharmacy_id] and len(sent.attachments) == 1
    assert mstack.msg.ListDrafts(pb.ListDraftsRequest(patient_id=patient), metadata=mine, timeout=10).drafts == []


def test_her_caregiver_writes_first_to_a_pharmacy_for_her(mstack):
    helped, caregiver = mstack.new_patient(age=80), mstack.new_patient(age=45)
    caregiving(mstack, helped, caregiver)
    pharmacy = new_pharmacy(mstack)
    started = mstack.msg.CreateConversation(pb.CreateConversationRequest(
        patient_id=helped, recipient_ids=[pharmacy.pharmacy_id], subject="Renouvellement", body="Bonjour"),
        metadata=switched(mstack, caregiver, helped), timeout=30)
    [sent] = mstack.messages(mstack.patient(helped), helped, started.conversation_id)
    assert sent.sender.participant_id == helped and sent.written_by_account_id == caregiver and sent.signature


def test_she_cannot_write_first_to_anyone_but_a_pharmacy_with_an_organisational_mailbox(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    mstack.start_conversation(doctor, patient)                           # even one who wrote to her
    personal, unreachable = new_pharmacy(mstack, mailbox=pb.MAILBOX_TYPE_PERSONAL), new_pharmacy(
        mstack, mailbox=pb.MAILBOX_TYPE_UNSPECIFIED)
    pharmacy = new_pharmacy(mstack)
    mine = mstack.patient(patient)

    def start(*recipients: str):
        return lambda: mstack.msg.CreateConversation(pb.CreateConversationRequest(
            patient_id=patient, recipient_ids=list(recipients), subject="Question", body="Bonjour"),
            metadata=mine, timeout=30)
    refused(start(doctor.professional_id), grpc.StatusCode.FAILED_PRECONDITION, "PATIENT_CANNOT_START")
    refused(start("not-a-pharmacy"), grpc.StatusCode.FAILED_PRECONDITION, "PATIENT_CANNOT_START")
    refused(start(personal.pharmacy_id), grpc.StatusCode.FAILED_PRECONDITION, "PHARMACY_NOT_REACHABLE")
    refused(start(unreachable.pharmacy_id), grpc.StatusCode.FAILED_PRECONDITION, "PHARMACY_NOT_REACHABLE")
    refused(start(), grpc.StatusCode.INVALID_ARGUMENT, "RECIPIENTS")
    refused(start(pharmacy.pharmacy_id, doctor.professional_id), grpc.StatusCode.INVALID_ARGUMENT, "RECIPIENTS")
    assert len(mstack.conversations(mine, patient).conversations) == 1   # the doctor's only: nothing stored


def test_only_operators_load_the_directory_and_the_feed_and_bad_entries_are_named(mstack):
    patient = mstack.new_patient()
    good = pb.Pharmacy(finess="990000001", name="Pharmacie", mssante_address="p@pharmacie.mssante.fr",
                       mailbox_type=pb.MAILBOX_TYPE_ORGANISATIONAL)
    for metadata in (mstack.patient(patient), mstack.professional(mstack.new_mssante_professional())):
        refused(lambda: mstack.msg.UpsertPharmacies(pb.UpsertPharmaciesRequest(pharmacies=[good]), metadata=metadata,
                                                    timeout=10), grpc.StatusCode.PERMISSION_DENIED, "OPERATORS_ONLY")
        refused(lambda: mstack.msg.RecordPharmacyVisits(pb.RecordPharmacyVisitsRequest(visits=[pb.PharmacyVisit(
            patient_id=patient, finess="990000001", visit_date=days_ago(1))]), metadata=metadata, timeout=10),
            grpc.StatusCode.PERMISSION_DENIED, "OPERATORS_ONLY")
    bad = [pb.Pharmacy(finess="", name=""), pb.Pharmacy(finess="69 0", name="x", postal_code="690"),
           pb.Pharmacy(finess="990000009", name="x", mssante_address="pas-une-adresse",
                       mailbox_type=pb.MAILBOX_TYPE_ORGANISATIONAL),
           pb.Pharmacy(finess="990000008", name="x", mssante_address="a@b.mssante.fr"),
           pb.Pharmacy(finess="990000008", name="x")]
    with_fields = _violations(lambda: mstack.msg.UpsertPharmacies(pb.UpsertPharmaciesRequest(pharmacies=bad),
                                                                  metadata=mstack.operator, timeout=10))
    assert {"pharmacies[0].finess", "pharmacies[0].name", "pharmacies[1].finess", "pharmacies[1].postal_code",
            "pharmacies[2].mssante_address", "pharmacies[3].mailbox_type", "pharmacies[4].finess"} <= with_fields
    with mstack.messaging_engine().connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM pharmacies WHERE id_nat LIKE '99000000_'").scalar() == 0
    visits = [pb.PharmacyVisit(patient_id="", finess="990000001", visit_date="hier"),
              pb.PharmacyVisit(patient_id=patient, finess="990000001", visit_date=(date.today() + timedelta(days=2))
                               .isoformat())]
    assert {"visits[0].patient_id", "visits[0].visit_date", "visits[1].visit_date"} <= _violations(
        lambda: mstack.msg.RecordPharmacyVisits(pb.RecordPharmacyVisitsRequest(visits=visits),
                                                metadata=mstack.operator, timeout=10))
    refused(lambda: mstack.msg.UpsertPharmacies(pb.UpsertPharmaciesRequest(), metadata=mstack.operator, timeout=10),
            grpc.StatusCode.INVALID_ARGUMENT, "")


def test_search_is_hers_and_bad_input_is_named(mstack):
    patient, other = mstack.new_patient(), mstack.new_patient()
    refused(lambda: search(mstack, patient, metadata=mstack.patient(other)), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: search(mstack, patient, metadata=mstack.professional(mstack.new_mssante_professional())),
            grpc.StatusCode.PERMISSION_DENIED, "PATIENT_SIDE_ONLY")
    assert {"postal_code", "query"} <= _violations(lambda: search(mstack, patient, postal_code="69", query="x" * 101))
    refused(lambda: search(mstack, patient, page_token="???"), grpc.StatusCode.INVALID_ARGUMENT, "PAGE_TOKEN")
    refused(lambda: mstack.msg.ListContacts(pb.ListContactsRequest(patient_id=patient),
                                            metadata=mstack.patient(other), timeout=10), grpc.StatusCode.NOT_FOUND, "")


def _violations(call) -> set[str]:
    error = error_of(call)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return error_details(error)[0]
