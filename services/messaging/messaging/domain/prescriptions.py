"""A prescription to a pharmacy (DOMAIN §7): the patient picks one of HER documents, messaging reads
it from documents as her (her own token: documents decides and audits the read), attaches it
(checked like any attachment) and starts a conversation with the pharmacy's organisational mailbox
through the one send function (messages.write).

What counts as a prescription: a document of TRE_A03 class 42 "Prescription" (DOMAIN §1.3): the
professionals' prescriptions (57833-6 produits de santé, 57828-6, PRESC-*, …) and the patient's own
deposits under "Ordonnances et soins" (DOCPAT02, class 42, DOMAIN §2.2). Dispensations (43), care
plans (44) and the rest are not prescriptions a pharmacy dispenses from.
"""
from __future__ import annotations

from meskit.auth import Caller
from meskit.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable, Violations, require_ids
from meskit.filecheck import content

from messaging.domain import conversations, messages, pharmacies
from messaging.domain.actors import Who, who
from messaging.domain.attachments import NewAttachment, NewFile
from messaging.domain.models import MAX_ATTACHMENT_BYTES, Message, Summary
from messaging.domain.ports import Dependencies

PRESCRIPTION_CLASS = "42"
DEFAULT_MESSAGE = "Bonjour, je souhaite vous partager mon document. Pouvez-vous préparer cette ordonnance ?"
PAPER_REMINDER = ("N'oubliez pas d'apporter l'original papier de votre ordonnance à la pharmacie pour retirer vos "
                  "médicaments.")
SUBJECT = "Ordonnance"


def documents_of(deps: Dependencies):
    if deps.documents is None:
        raise Unavailable("Service des documents non configuré", reason="DOCUMENTS_UNAVAILABLE")
    return deps.documents


def send(deps: Dependencies, caller: Caller, authorization: str, patient_id: str, pharmacy_id: str, document_id: str,
         *, message: str = "", client_message_id: str = "") -> tuple[Who, Summary, Message]:
    """`authorization`: the caller's own bearer header, forwarded to documents."""
    require_ids(patient_id=patient_id, pharmacy_id=pharmacy_id, document_id=document_id)
    w = who(deps, caller, patient_id, missing="Profil introuvable")
    if not w.patient_side:
        raise PermissionDenied("Seul le patient (ou son proche) envoie ses ordonnances à une pharmacie",
                               reason="PATIENT_SIDE_ONLY")
    body = message if message.strip() else DEFAULT_MESSAGE
    v = Violations()
    messages.check_text(v, body, client_message_id, field="message")
    v.raise_if_any()
    pharmacy = pharmacies.reachable(deps, pharmacy_id)
    documents = documents_of(deps)
    document = documents.get(authorization, patient_id, document_id)
    if document.class_code != PRESCRIPTION_CLASS:
        raise FailedPrecondition("Ce document n'est pas une ordonnance : choisissez une ordonnance de vos documents",
                                 reason="NOT_A_PRESCRIPTION")
    if document.size_bytes > MAX_ATTACHMENT_BYTES:      # documents' limit today; checked before reading its bytes
        raise InvalidArgument(content.too_large(document.size_bytes).message, reason=content.TOO_LARGE)
    data = documents.download(authorization, patient_id, document_id)
    attachment = NewAttachment(file=NewFile(document.filename or document.title, document.content_type, data,
                                            source_document_id=document.document_id))
    summary, sent = conversations.to_pharmacy(deps, w, pharmacy, subject=f"{SUBJECT} : {document.title}"[:200],
                                              body=body, attachments=[attachment], client_message_id=client_message_id)
    return w, summary, sent
