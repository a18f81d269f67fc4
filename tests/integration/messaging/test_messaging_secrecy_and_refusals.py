"""A professional's conversation with a minor may be hidden from her legal representatives (DOMAIN
§10.4): not in their lists, counts, reads or history, its notices told to the minor's own channels
only. A refused read (someone else's conversation, an unknown id) leaves a denied record of who asked
for what, the same whether it exists or not, and is filed in the MESSAGING group of the history."""
from __future__ import annotations

import uuid

import grpc
from mes.audit.v1 import audit_pb2 as apb
from mes.messaging.v1 import messaging_pb2 as pb

from devtools.eventually import eventually
from messaging_harness import refused
from test_documents_delegate_token import activate, switched


def _history(mstack, patient_id: str, metadata, **filters) -> list[apb.Record]:
    reply = mstack.audit.ListActivity(apb.ListActivityRequest(patient_id=patient_id, page_size=200, **filters),
                                      metadata=metadata, timeout=10)
    return list(reply.records)


def test_a_conversation_hidden_from_the_legal_representative_is_the_minors_and_the_doctors_only(mstack):
    parent = mstack.new_patient(age=45)
    child = mstack.new_patient(age=15, legal_representative=parent)
    activate(mstack, parent)
    doctor = mstack.new_mssante_professional()
    secret = mstack.start_conversation(doctor, child, subject="Consultation confidentielle",
                                       hidden_from_legal_representatives=True)
    seen = mstack.start_conversation(doctor, child, subject="Vaccins")
    assert secret.hidden_from_legal_representatives and not seen.hidden_from_legal_representatives
    as_parent = switched(mstack, parent, child)
    shown = mstack.conversations(as_parent, child).conversations
    assert [(c.conversation_id, c.unread_count) for c in shown] == [(seen.conversation_id, 1)]
    assert [c.conversation_id for c in mstack.conversations(as_parent, child, unread_only=True).conversations] == [
        seen.conversation_id]
    for call in (lambda: mstack.messages(as_parent, child, secret.conversation_id),
                 lambda: mstack.msg.GetConversation(pb.GetConversationRequest(
                     patient_id=child, conversation_id=secret.conversation_id), metadata=as_parent, timeout=10),
                 lambda: mstack.reply(as_parent, child, secret.conversation_id, "Je suis son père")):
        refused(call, grpc.StatusCode.NOT_FOUND, "")
    # the minor herself and the doctor see it, and her reply stays hidden with it
    mine = mstack.patient(child)
    assert {c.conversation_id for c in mstack.conversations(mine, child).conversations} == {
        secret.conversation_id, seen.conversation_id}
    draft = mstack.msg.CreateDraft(pb.CreateDraftRequest(patient_id=child, conversation_id=secret.conversation_id,
                                                         body="Je voulais ajouter"), metadata=mine, timeout=10)
    assert mstack.msg.ListDrafts(pb.ListDraftsRequest(patient_id=child), metadata=as_parent, timeout=10).drafts == []
    refused(lambda: mstack.msg.GetDraft(pb.GetDraftRequest(patient_id=child, draft_id=draft.draft_id),
                                        metadata=as_parent, timeout=10), grpc.StatusCode.NOT_FOUND, "")
    assert [d.draft_id for d in mstack.msg.ListDrafts(pb.ListDraftsRequest(patient_id=child), metadata=mine,
                                                      timeout=10).drafts] == [draft.draft_id]
    mstack.reply(mine, child, secret.conversation_id, "Merci docteur")
    assert len(mstack.messages(mstack.professional(doctor), child, secret.conversation_id)) == 2
    notices = mstack.messaging_published(child, "RECEPTION_MESSAGE")
    assert sorted(bool(n.get("hidden_from_legal_representatives")) for n in notices) == [False, True]
    # her history has the secret conversation's records; her father's view of it has none
    eventually(lambda: any(r.resource_type == "message" and r.action == apb.ACTION_CREATE
                           and r.actor.id == child for r in mstack.records(child)) or None,
               what="the reply's record relayed")
    secret_messages = {m.message_id for m in mstack.messages(mine, child, secret.conversation_id)}
    in_parent_view = _history(mstack, child, as_parent)
    parent_view = {r.resource_id for r in in_parent_view if r.actor.id != parent}
    assert all(r.decision == apb.DECISION_DENIED for r in in_parent_view       # her own tries only
               if r.actor.id == parent and r.resource_id == secret.conversation_id)
    assert secret.conversation_id in {r.resource_id for r in _history(mstack, child, mine)}
    [seen_message] = mstack.messages(mine, child, seen.conversation_id)
    assert seen_message.message_id in parent_view
    assert not ({secret.conversation_id} | secret_messages) & parent_view


def test_refused_reads_are_recorded_alike_whether_the_conversation_exists_or_not(mstack):
    patient, other, doctor = mstack.new_patient(), mstack.new_patient(), mstack.new_mssante_professional()
    hers = mstack.start_conversation(doctor, patient)
    stranger = mstack.new_mssante_professional()
    unknown = str(uuid.uuid4())
    for conversation_id in (hers.conversation_id, unknown):
        refused(lambda: mstack.messages(mstack.professional(stranger), patient, conversation_id),
                grpc.StatusCode.NOT_FOUND, "")
        refused(lambda: mstack.msg.GetConversation(pb.GetConversationRequest(
            patient_id=other, conversation_id=conversation_id), metadata=mstack.patient(other), timeout=10),
            grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: mstack.download_attachment(mstack.patient(patient), patient, str(uuid.uuid4()), unknown),
            grpc.StatusCode.NOT_FOUND, "")
    denied = [r for r in mstack.records(patient) if r.decision == apb.DECISION_DENIED]
    assert sorted((r.actor.id, r.resource_type, r.action, r.resource_id, r.rule) for r in denied) == sorted([
        (stranger.professional_id, "message", apb.ACTION_LIST, hers.conversation_id, "not_found"),
        (stranger.professional_id, "message", apb.ACTION_LIST, unknown, "not_found"),
        (patient, "attachment", apb.ACTION_DOWNLOAD, unknown, "not_found")])
    in_other = [r for r in mstack.records(other) if r.decision == apb.DECISION_DENIED]
    assert sorted((r.resource_type, r.action, r.resource_id) for r in in_other) == sorted([
        ("conversation", apb.ACTION_READ, hers.conversation_id), ("conversation", apb.ACTION_READ, unknown)])
    assert len({r.rule for r in denied + in_other}) == 1          # nothing tells the existing one apart
    # the patient's history filters messaging by its group
    grouped = _history(mstack, patient, mstack.patient(patient), groups=[apb.ACTIVITY_GROUP_MESSAGING])
    assert grouped and all(r.group == apb.ACTIVITY_GROUP_MESSAGING for r in grouped)
    assert _history(mstack, patient, mstack.patient(patient), groups=[apb.ACTIVITY_GROUP_MEDICAL_DOCUMENT]) == []
    # a delegate token without the messages scope: refused, and recorded
    refused(lambda: mstack.conversations(mstack.delegate(other, patient), patient),
            grpc.StatusCode.PERMISSION_DENIED, "DELEGATION_SCOPE")
    assert any(r.rule == "delegation_scope" and r.actor.id == other and r.decision == apb.DECISION_DENIED
               for r in mstack.records(patient))
