"""ListDocuments' pages come from the query (filtered, sorted and cut in SQL), each row still decided:
pages are full across refused rows, every sort order covers everything once, tokens are checked."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb

from documents_samples import TEXT

SORTS = (pb.DOCUMENT_SORT_DATE_DESC, pb.DOCUMENT_SORT_DATE_ASC, pb.DOCUMENT_SORT_TITLE_ASC,
         pb.DOCUMENT_SORT_TITLE_DESC, pb.DOCUMENT_SORT_AUTHOR_ASC, pb.DOCUMENT_SORT_AUTHOR_DESC)


@pytest.fixture(scope="module")
def shelf(stack):
    """Twelve of the patient's documents, alternately administrative (opticians read them) and lab
    reports (they do not), with repeated titles and dates so that the sort keys tie; the 4th
    administrative one masked. An optician in her care team."""
    patient = stack.new_patient()
    me = stack.patient(patient)
    uploaded = []
    for n in range(12):
        category = pb.DOCUMENT_CATEGORY_DOC_ADM if n % 2 else pb.DOCUMENT_CATEGORY_BIOLOGIE
        uploaded.append(stack.upload(me, TEXT, patient_id=patient, title=["bilan", "Bilan", "Attestation"][n % 3],
                                     document_date=f"2025-0{1 + n % 3}-10", category=category))
    masked = uploaded[7]
    stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
        patient_id=patient, document_id=masked.document_id, masked=True), metadata=me)
    optician = stack.new_professional("28")
    stack.add_to_care_team(patient, optician)
    readable = {d.document_id for d in uploaded[1::2]} - {masked.document_id}
    return patient, optician, {d.document_id for d in uploaded}, readable


def pages(stack, metadata, patient, **fields) -> list[list[str]]:
    found, token = [], ""
    while True:
        reply = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_token=token, **fields),
                                         metadata=metadata)
        found.append([d.document_id for d in reply.documents])
        token = reply.next_page_token
        if not token:
            return found


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_order_covers_everything_once_in_the_order_of_one_page(stack, shelf, sort):
    patient, _, everything, _ = shelf
    me = stack.patient(patient)
    paged = pages(stack, me, patient, sort=sort, page_size=5)
    assert [len(p) for p in paged] == [5, 5, 2]
    flat = [d for p in paged for d in p]
    assert len(flat) == len(set(flat)) and set(flat) == everything
    (whole,) = pages(stack, me, patient, sort=sort, page_size=100)
    assert flat == whole


def test_titles_sort_ignoring_case_then_by_date(stack, shelf):
    patient = shelf[0]
    reply = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, sort=pb.DOCUMENT_SORT_TITLE_ASC),
                                     metadata=stack.patient(patient))
    keys = [(d.title.casefold(), d.document_date) for d in reply.documents]
    assert keys == sorted(keys) and keys[0][0] == "attestation"


def test_pages_stay_full_across_the_rows_a_professional_is_refused(stack, shelf):
    patient, optician, _, readable = shelf
    paged = pages(stack, stack.professional(optician), patient, page_size=2)
    assert [len(p) for p in paged] == [2, 2, 1]
    flat = [d for p in paged for d in p]
    assert len(flat) == len(set(flat)) and set(flat) == readable      # never the masked one, nor a lab report
    records = [r for r in stack.records(patient) if r.action == apb.ACTION_LIST and r.actor.id == optician.professional_id]
    assert {r.rule for r in records} == {"matrix_allowed"}


def test_a_professional_shown_nothing_is_recorded_with_the_rules_that_withheld_everything(stack, shelf):
    patient = shelf[0]
    outsider = stack.new_professional("28")
    assert pages(stack, stack.professional(outsider), patient) == [[]]
    records = [r for r in stack.records(patient) if r.action == apb.ACTION_LIST and r.actor.id == outsider.professional_id]
    assert [(r.decision, r.rule) for r in records] == [(apb.DECISION_DENIED, "not_in_care_team")]


@pytest.mark.parametrize("token", ["garbage", "eyJzIjoxfQ==",
                                   "eyJzIjoiZGF0ZV9kZXNjIiwiayI6WyJub3QtYS1kYXRlIiwieCIsInkiXX0="])
def test_forged_tokens_are_refused(stack, shelf, token):
    patient = shelf[0]
    with pytest.raises(grpc.RpcError) as caught:
        stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_token=token),
                                 metadata=stack.patient(patient))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_token_of_another_sort_is_refused(stack, shelf):
    patient = shelf[0]
    me = stack.patient(patient)
    token = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_size=2), metadata=me).next_page_token
    with pytest.raises(grpc.RpcError) as caught:
        stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_token=token,
                                                         sort=pb.DOCUMENT_SORT_TITLE_ASC), metadata=me)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
