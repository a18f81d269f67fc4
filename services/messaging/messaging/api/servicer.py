"""Thin gRPC servicer: proto in, one use-case call, proto out. Errors rise to the interceptor.

Not served yet (later parts of the messaging issue), answering UNIMPLEMENTED: DeliverMessage (the
MSSanté bridge).
"""
from __future__ import annotations

from mes.messaging.v1 import messaging_pb2 as pb
from mes.messaging.v1 import messaging_pb2_grpc

from meskit.auth import current_caller
from meskit.errors import InvalidArgument, Unimplemented
from meskit.timestamps import datetime_of

from messaging.api import convert
from messaging.domain import attachments as files
from messaging.domain import (conversations, delivery, drafts, messages, pharmacies, prescriptions, receipts, saving,
                              uploads)
from messaging.domain.attachments import NewAttachment, NewFile
from messaging.domain.ports import Dependencies


def _later(part: str) -> Unimplemented:
    return Unimplemented(f"Pas encore disponible : {part} arrive avec une prochaine étape de la messagerie",
                         reason="NOT_YET_SERVED")


def _chunks(requests):
    for message in requests:
        if message.WhichOneof("payload") != "chunk":
            raise InvalidArgument("Après les métadonnées, seulement des morceaux du fichier", reason="STREAM_ORDER")
        yield message.chunk


def _authorization(context) -> str:
    """The caller's own bearer header, forwarded where another service must decide as them."""
    return next((v for k, v in context.invocation_metadata() if k == "authorization" and isinstance(v, str)), "")


class MessagingServicer(messaging_pb2_grpc.MessagingServiceServicer):
    def __init__(self, deps: Dependencies):
        self._deps = deps

    # ---- conversations ----
    def ListConversations(self, request, context):
        reader_id, found, token = conversations.list_conversations(
            self._deps, current_caller(), request.patient_id, state=convert.state_name(request.state),
            unread_only=request.unread_only, participant_id=request.participant_id, query=request.query,
            page_size=request.page_size, page_token=request.page_token)
        return pb.ListConversationsResponse(
            conversations=[convert.conversation(reader_id, s) for s in found],
            next_page_token=token)

    def GetConversation(self, request, context):
        w, summary = conversations.get_conversation(self._deps, current_caller(), request.patient_id,
                                                    request.conversation_id)
        return convert.conversation(w.reader_id, summary)

    def CreateConversation(self, request, context):
        w, summary = conversations.create_conversation(
            self._deps, current_caller(), request.patient_id, recipient_ids=list(request.recipient_ids),
            subject=request.subject, body=request.body, attachments=convert.new_attachments(request.attachments),
            request_acknowledgement=request.request_acknowledgement, client_message_id=request.client_message_id,
            hidden_from_legal_representatives=request.hidden_from_legal_representatives)
        return convert.conversation(w.reader_id, summary, with_preview=False)

    def CloseConversation(self, request, context):
        w, summary = conversations.close_conversation(self._deps, current_caller(), request.patient_id,
                                                      request.conversation_id, request.closing_message)
        return convert.conversation(w.reader_id, summary, with_preview=False)

    def DeleteConversation(self, request, context):
        files.discard(self._deps, conversations.delete_conversation(self._deps, current_caller(), request.patient_id,
                                                                    request.conversation_id))
        return pb.DeleteConversationResponse()

    def MarkConversationRead(self, request, context):
        w, summary = conversations.mark_read(self._deps, current_caller(), request.patient_id, request.conversation_id)
        return convert.conversation(w.reader_id, summary, with_preview=False)

    # ---- messages ----
    def ListMessages(self, request, context):
        w, conversation, found, marker, token = messages.list_messages(
            self._deps, current_caller(), request.patient_id, request.conversation_id, page_size=request.page_size,
            page_token=request.page_token)
        people = {p.participant_id: p for p in conversation.participants}
        return pb.ListMessagesResponse(
            messages=[convert.message(m, people, reader_id=w.reader_id, read_up_to=marker) for m in found],
            next_page_token=token)

    def SendMessage(self, request, context):
        w, conversation, sent = messages.send_message(
            self._deps, current_caller(), request.patient_id, request.conversation_id,
            reply_option=convert.reply_option_name(request.reply_option), body=request.body,
            attachments=convert.new_attachments(request.attachments),
            request_acknowledgement=request.request_acknowledgement, client_message_id=request.client_message_id)
        return convert.message(sent, {p.participant_id: p for p in conversation.participants}, reader_id=w.reader_id)

    def DownloadAttachment(self, request, context):
        found, chunks = messages.download(self._deps, current_caller(), request.patient_id, request.message_id,
                                          request.attachment_id)
        yield pb.DownloadAttachmentResponse(metadata=convert.attachment(found))
        for chunk in chunks:
            yield pb.DownloadAttachmentResponse(chunk=chunk)

    def UploadAttachment(self, request_iterator, context):
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise InvalidArgument("Le premier message porte les métadonnées du fichier", reason="STREAM_ORDER")
        meta = first.metadata
        return convert.attachment(uploads.upload(self._deps, current_caller(), meta.patient_id, meta.filename,
                                                 meta.size_bytes, _chunks(request_iterator)))

    # ---- drafts ----
    def CreateDraft(self, request, context):
        return convert.draft(drafts.create_draft(
            self._deps, current_caller(), request.patient_id, conversation_id=request.conversation_id,
            recipient_ids=list(request.recipient_ids), reply_option=convert.reply_option_name(request.reply_option),
            subject=request.subject, body=request.body, attachments=convert.new_attachments(request.attachments),
            request_acknowledgement=request.request_acknowledgement))

    def ListDrafts(self, request, context):
        found, token = drafts.list_drafts(self._deps, current_caller(), request.patient_id, request.page_size,
                                          request.page_token)
        return pb.ListDraftsResponse(drafts=[convert.draft(d) for d in found], next_page_token=token)

    def GetDraft(self, request, context):
        return convert.draft(drafts.get_draft(self._deps, current_caller(), request.patient_id, request.draft_id))

    def UpdateDraft(self, request, context):
        return convert.draft(drafts.update_draft(
            self._deps, current_caller(), request.patient_id, request.draft_id,
            recipient_ids=list(request.recipient_ids), reply_option=convert.reply_option_name(request.reply_option),
            subject=request.subject, body=request.body, attachments=convert.new_attachments(request.attachments),
            request_acknowledgement=request.request_acknowledgement))

    def DeleteDraft(self, request, context):
        drafts.delete_draft(self._deps, current_caller(), request.patient_id, request.draft_id)
        return pb.DeleteDraftResponse()

    def SendDraft(self, request, context):
        w, conversation, sent = drafts.send_draft(self._deps, current_caller(), request.patient_id, request.draft_id)
        return convert.message(sent, {p.participant_id: p for p in conversation.participants}, reader_id=w.reader_id)

    # ---- services ----
    def RecordReceipt(self, request, context):
        receipts.record_receipt(self._deps, current_caller(), request.mssante_message_id, request.recipient_id,
                                datetime_of(request, "delivered_at"), datetime_of(request, "read_at"))
        return pb.RecordReceiptResponse()

    # ---- later parts of the messaging issue ----
    def ListContacts(self, request, context):
        found, token, budget = pharmacies.contacts(self._deps, current_caller(), request.patient_id,
                                                   page_size=request.page_size, page_token=request.page_token)
        return pb.ListContactsResponse(contacts=[convert.participant(p) for p in found], next_page_token=token,
                                       max_attachment_bytes=budget)

    def SaveAttachmentToDocuments(self, request, context):
        return pb.SaveAttachmentToDocumentsResponse(document_id=saving.save(
            self._deps, current_caller(), request.patient_id, request.message_id, request.attachment_id,
            title=request.title, category=request.category, document_date=request.document_date))

    def SearchPharmacies(self, request, context):
        found = pharmacies.search(self._deps, current_caller(), request.patient_id, query=request.query,
                                  postal_code=request.postal_code, city=request.city,
                                  visited_only=request.visited_only, page_size=request.page_size,
                                  page_token=request.page_token)
        return pb.SearchPharmaciesResponse(pharmacies=[convert.pharmacy(p) for p in found.pharmacies],
                                           next_page_token=found.next_page_token)

    def SendPrescriptionToPharmacy(self, request, context):
        w, summary, sent = prescriptions.send(
            self._deps, current_caller(), _authorization(context), request.patient_id, request.pharmacy_id,
            request.document_id, message=request.message, client_message_id=request.client_message_id)
        answer = convert.message(sent, {p.participant_id: p for p in summary.conversation.participants},
                                 reader_id=w.reader_id)
        answer.sender_notice = prescriptions.PAPER_REMINDER
        return answer

    def DeliverMessage(self, request, context):
        files = [NewAttachment(file=NewFile(f.filename, f.content_type, f.content)) for f in request.attachments]
        w, conversation, sent = delivery.deliver_for_service(self._deps, current_caller(), delivery.Delivery(
            patient_id=request.patient_id, professional_id=request.sender.participant_id,
            mssante_message_id=request.mssante_message_id, subject=request.subject, body=request.body,
            attachments=files, thread=tuple(t for t in (request.in_reply_to,) if t),
            acknowledgement_requested=request.acknowledgement_requested), request.sender.mssante_address,
            tuple(request.recipient_ids))
        return convert.message(sent, {p.participant_id: p for p in conversation.participants}, reader_id=w.reader_id)

    def UpsertPharmacies(self, request, context):
        return pb.UpsertPharmaciesResponse(upserted=pharmacies.upsert_pharmacies(
            self._deps, current_caller(), [convert.pharmacy_in(p) for p in request.pharmacies]))

    def RecordPharmacyVisits(self, request, context):
        return pb.RecordPharmacyVisitsResponse(recorded=pharmacies.record_visits(
            self._deps, current_caller(), [(v.patient_id, v.finess, v.visit_date) for v in request.visits]))
