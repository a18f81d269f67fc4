"""The MSSanté bridge's outbound side over real SMTP: what the patient writes to a professional
leaves from her address through the relay (an SMTP sink standing for the professionals' mailboxes),
threaded to the professional's mail; retried while the relay is down, a dead letter when refused."""
from __future__ import annotations

import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.messaging.v1 import messaging_pb2 as pb

from devtools.eventually import eventually
from mssante_harness import PDF, mail, start_bridge
from messaging_harness import new_file


@pytest.fixture
def thread(mstack, bridge):
    """A GP's mail delivered to a new patient: (patient, gp, gp address, patient address, the mail, conversation id)."""
    patient = mstack.new_patient()
    gp = mstack.new_mssante_professional()
    gp_address = mstack.identity.GetProfessional(ipb.GetProfessionalRequest(professional_id=gp.professional_id),
                                                 metadata=mstack.operator, timeout=10).mssante_address
    address = bridge.address_of(patient)
    first = mail(gp_address, address, subject="Suivi tension")
    assert bridge.send(first, gp_address, address)[0] == 250
    (conversation,) = mstack.conversations(mstack.patient(patient), patient).conversations
    return patient, gp, gp_address, address, first, conversation.conversation_id


def _reply(mstack, thread, body="Merci docteur, c'est noté.", **fields):
    patient, *_, conversation_id = thread
    return mstack.reply(mstack.patient(patient), patient, conversation_id, body=body, **fields)


def _state(bridge, message_id):
    (row,) = bridge.outbound(message_id)
    return row


def test_her_reply_reaches_the_professional_threaded_from_her_address(mstack, bridge, thread):
    patient, gp, gp_address, address, first, _ = thread
    sent = _reply(mstack, thread, attachments=[new_file("tension.pdf", PDF)])
    (received,) = eventually(lambda: bridge.mailbox(sent.mssante_message_id), what="the reply in the GP's mailbox")
    assert received["From"].addresses[0].addr_spec == address
    assert received["To"].addresses[0].addr_spec == gp_address
    assert received["Message-ID"] == sent.mssante_message_id and sent.mssante_message_id.endswith("@patient.mssante.fr>")
    assert received["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in received["References"].split()
    assert received["Subject"] == "RE: Suivi tension"
    assert received.get_body(preferencelist=("plain",)).get_content().strip() == "Merci docteur, c'est noté."
    (attached,) = list(received.iter_attachments())
    assert (attached.get_filename(), attached.get_content()) == ("tension.pdf", PDF)
    assert eventually(lambda: _state(bridge, sent.message_id)["state"] == "sent")


def test_a_professionals_own_messages_are_not_mailed(mstack, bridge, thread):
    patient, gp, *_, conversation_id = thread
    written = mstack.reply(mstack.professional(gp), patient, conversation_id, body="Pensez à votre bilan.")
    assert bridge.outbound(written.message_id) == []


def test_retried_while_the_relay_is_down_then_sent(mstack, bridge, thread):
    bridge.sink.stop()
    try:
        sent = _reply(mstack, thread)
        failed = eventually(lambda: (row := _state(bridge, sent.message_id))["attempts"] >= 1 and row["last_error"]
                            and row, what="a first attempt failing")
        assert failed["state"] == "pending" and failed["last_error"] == "ConnectionRefusedError"
    finally:
        bridge.restart_sink()
    (received,) = eventually(lambda: bridge.mailbox(sent.mssante_message_id), what="the mail once the relay is back")
    assert eventually(lambda: _state(bridge, sent.message_id)["state"] == "sent")


def test_refused_by_the_relay_it_is_a_dead_letter_at_once(mstack, bridge, thread):
    gp_address = thread[2]
    bridge.sink.handler.refuse.add(gp_address.lower())
    try:
        sent = _reply(mstack, thread)
        dead = eventually(lambda: (row := _state(bridge, sent.message_id))["state"] == "dead" and row)
    finally:
        bridge.sink.handler.refuse.discard(gp_address.lower())
    assert dead["attempts"] == 1 and dead["last_error"].startswith("550 5.1.1")
    assert bridge.mailbox(sent.mssante_message_id) == []


def test_deferred_until_its_last_attempt_it_is_a_dead_letter(mstack, bridge, thread):
    gp_address = thread[2]
    bridge.sink.handler.defer.add(gp_address.lower())
    try:
        sent = _reply(mstack, thread)
        dead = eventually(lambda: (row := _state(bridge, sent.message_id))["state"] == "dead" and row, timeout=30)
    finally:
        bridge.sink.handler.defer.discard(gp_address.lower())
    assert dead["attempts"] == 4 and dead["last_error"].startswith("451")
    assert bridge.mailbox(sent.mssante_message_id) == []


def test_a_sent_draft_goes_out_like_any_reply(mstack, bridge, thread):
    patient, _, gp_address, address, first, conversation_id = thread
    mine = mstack.patient(patient)
    draft = mstack.msg.CreateDraft(pb.CreateDraftRequest(patient_id=patient, conversation_id=conversation_id,
                                                         body="Réponse préparée", attachments=[new_file("r.pdf", PDF)]),
                                   metadata=mine, timeout=30)
    sent = mstack.msg.SendDraft(pb.SendDraftRequest(patient_id=patient, draft_id=draft.draft_id), metadata=mine,
                                timeout=30)
    (received,) = eventually(lambda: bridge.mailbox(sent.mssante_message_id), what="the draft's mail")
    assert received["In-Reply-To"] == first["Message-ID"] and received["To"].addresses[0].addr_spec == gp_address
    assert [a.get_filename() for a in received.iter_attachments()] == ["r.pdf"]


def test_two_replicas_share_the_queue_and_send_each_mail_once(mstack, bridge, thread, tmp_path):
    second = start_bridge(mstack, tmp_path)      # another messaging replica with its own sender, same database
    try:
        sent = [_reply(mstack, thread, body=f"Réponse {i}") for i in range(8)]
        ids = {s.mssante_message_id for s in sent}

        def delivered():
            got = [m["Message-ID"] for m in bridge.mailbox() + second.mailbox() if m["Message-ID"] in ids]
            return got if set(got) == ids else None
        got = eventually(delivered, timeout=30, what="every reply through one replica or the other")
        assert sorted(got) == sorted(ids)
        marked = eventually(lambda: (rows := [_state(bridge, s.message_id) for s in sent])
                            and all(r["state"] == "sent" for r in rows) and rows)
        assert {r["attempts"] for r in marked} == {1}
    finally:
        second.stop()
