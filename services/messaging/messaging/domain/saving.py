""""Enregistrer dans mes documents de santé": a received attachment filed in the patient's documents
through documents' UploadDocument, the sender (the professional or the pharmacy) kept as its author.

Only the patient's side (the patient, or her delegate within the "messages" scope), only for an
attachment of a message she received. documents applies its own type and size rules and its refusal
comes back with its reason; documents audits the deposit, messaging records its own read of the
attachment before the bytes leave (fail closed). Idempotent: the deposit's upload_id is derived from
the attachment, so saving twice files one document.

documents files a professional's deposit by its DMP typeCode, never by a patient-side category: the
category she picks is filed under the generic typeCode documents shows under that category.
"Autres documents" and "Pièces administratives" have none for a professional author (DOMAIN §1.3,
§2.2): they are refused.
"""
from __future__ import annotations

from meskit.auth import Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied, Unavailable, Violations, require_ids

from messaging.domain import auditing
from messaging.domain.actors import who
from messaging.domain.lookup import visible
from messaging.domain.messages import NO_SUCH_ATTACHMENT
from messaging.domain.models import ORGANISATION, PROFESSIONAL
from messaging.domain.ports import Dependencies, Deposit
from messaging.domain.prescriptions import documents_of

TYPE_FOR_CATEGORY = {
    "SYNTHESE": "SYNTH",          # Synthèse
    "ORD_SOIN": "57828-6",        # Prescription (autre)
    "RADIO_SC": "18748-4",        # CR d'imagerie médicale
    "BIOLOGIE": "11502-2",        # CR d'examens biologiques
    "CPT_REND": "11488-4",        # CR ou fiche de consultation ou de visite
    "DEPISTAG": "75492-9",        # CR d'acte diagnostique à visée préventive ou de dépistage
    "CERT_MED": "CERT_DECL",      # Certificat, déclaration
}
UPLOAD_PREFIX = "messaging-attachment:"


def save(deps: Dependencies, caller: Caller, patient_id: str, message_id: str, attachment_id: str, *,
         title: str = "", category: str = "", document_date: str = "") -> str:
    """The id of the document in documents (the same on a second save)."""
    require_ids(patient_id=patient_id, message_id=message_id, attachment_id=attachment_id)
    w = who(deps, caller, patient_id, missing=NO_SUCH_ATTACHMENT)
    if not w.patient_side:
        raise PermissionDenied("Seul le patient (ou son proche) enregistre une pièce jointe dans ses documents",
                               reason="PATIENT_SIDE_ONLY")
    v = Violations()
    v.max_length(title, "title", 255)
    v.max_length(document_date, "document_date", 10)
    if category not in TYPE_FOR_CATEGORY:
        v.add("category", "une de " + ", ".join(TYPE_FOR_CATEGORY))
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        message = repo.get_message(message_id)
        attachment = next((a for a in message.attachments if a.attachment_id == attachment_id), None) if message else None
        if message is None or attachment is None:
            raise NotFound(NO_SUCH_ATTACHMENT)
        try:
            conversation = visible(repo, w, message.conversation_id)
        except NotFound:
            raise NotFound(NO_SUCH_ATTACHMENT) from None
    sender = conversation.participant(message.sender_id)
    if sender is None or sender.type not in (PROFESSIONAL, ORGANISATION):
        raise FailedPrecondition("Seules les pièces jointes reçues d'un professionnel s'enregistrent dans vos documents",
                                 reason="NOT_RECEIVED")
    if attachment.saved_document_id:
        return attachment.saved_document_id
    documents = documents_of(deps)
    deps.audit.append(auditing.record(w, action=auditing.READ, resource_type=auditing.ATTACHMENT,
                                      resource_id=attachment_id, rule="save_to_documents", now=deps.now()))
    try:
        data = b"".join(deps.objects.stream(attachment.object_key))
    except Exception:
        raise Unavailable("Stockage des pièces jointes indisponible, réessayez plus tard",
                          reason="STORAGE_UNAVAILABLE") from None
    document_id = documents.deposit(Deposit(
        patient_id=patient_id, title=title.strip() or attachment.filename.rsplit(".", 1)[0],
        document_date=document_date, type_code=TYPE_FOR_CATEGORY[category], filename=attachment.filename,
        upload_id=UPLOAD_PREFIX + attachment_id, author_type="professional" if sender.type == PROFESSIONAL
        else "organisation", author_id=sender.participant_id, author_display_name=sender.display_name,
        author_profession_code=sender.profession_code), data)
    now = deps.now()
    with deps.unit_of_work() as repo:
        repo.set_saved_document(attachment_id, document_id)
        repo.add_audit(auditing.record(w, action=auditing.UPDATE, resource_type=auditing.ATTACHMENT,
                                       resource_id=attachment_id, rule="saved_to_documents", now=now))
    return document_id

