"""proto <-> domain conversions for documents."""
from __future__ import annotations

from mes.documents.v1 import documents_pb2 as pb

from meskit.errors import InvalidArgument
from meskit.filecheck.content import ACCEPTED, MAX_SIZE_BYTES

from documents.domain import listing
from documents.domain.access import Decision, Mode
from documents.domain.checking import ActorSpec, DELETE, DEPOSIT, READ, SET_VISIBILITY, UPDATE
from documents.domain.deposit import UploadMeta
from documents.domain.emergency_identity import TypedIdentity
from documents.domain.explaining import Explanation
from documents.domain.listing import Filters
from documents.domain.matrix_browser import Entry, Profession
from documents.domain.models import Author, Folder, Shown
from documents.domain.reading import Access
from meskit.timestamps import datetime_of, timestamp

AUTHOR_TO_PB = {"patient": pb.AUTHOR_TYPE_PATIENT, "delegate": pb.AUTHOR_TYPE_PATIENT,
                "professional": pb.AUTHOR_TYPE_PRACTITIONER, "organisation": pb.AUTHOR_TYPE_ORGANISATION,
                "device": pb.AUTHOR_TYPE_DISPOSITIF}
AUTHOR_FROM_PB = {pb.AUTHOR_TYPE_PATIENT: "patient", pb.AUTHOR_TYPE_PRACTITIONER: "professional",
                  pb.AUTHOR_TYPE_ORGANISATION: "organisation", pb.AUTHOR_TYPE_DISPOSITIF: "device"}
SORT_FROM_PB = {pb.DOCUMENT_SORT_UNSPECIFIED: listing.DATE_DESC, pb.DOCUMENT_SORT_DATE_DESC: listing.DATE_DESC,
                pb.DOCUMENT_SORT_DATE_ASC: listing.DATE_ASC, pb.DOCUMENT_SORT_TITLE_ASC: listing.TITLE_ASC,
                pb.DOCUMENT_SORT_TITLE_DESC: listing.TITLE_DESC, pb.DOCUMENT_SORT_AUTHOR_ASC: listing.AUTHOR_ASC,
                pb.DOCUMENT_SORT_AUTHOR_DESC: listing.AUTHOR_DESC}
MODE_FROM_PB = {pb.ACCESS_MODE_UNSPECIFIED: Mode.NORMAL, pb.ACCESS_MODE_NORMAL: Mode.NORMAL,
                pb.ACCESS_MODE_BRIS_DE_GLACE: Mode.BRIS_DE_GLACE, pb.ACCESS_MODE_CENTRE_15: Mode.CENTRE_15}
ACTOR_FROM_PB = {pb.ACTOR_TYPE_PATIENT: "patient", pb.ACTOR_TYPE_PROFESSIONAL: "professional",
                 pb.ACTOR_TYPE_DELEGATE: "delegate", pb.ACTOR_TYPE_SUPPORT: "support",
                 pb.ACTOR_TYPE_OPERATOR: "operator", pb.ACTOR_TYPE_SERVICE: "service"}
OPERATION_FROM_PB = {pb.DOCUMENT_OPERATION_UNSPECIFIED: READ, pb.DOCUMENT_OPERATION_READ: READ,
                     pb.DOCUMENT_OPERATION_DEPOSIT: DEPOSIT, pb.DOCUMENT_OPERATION_UPDATE: UPDATE,
                     pb.DOCUMENT_OPERATION_DELETE: DELETE, pb.DOCUMENT_OPERATION_SET_VISIBILITY: SET_VISIBILITY}


def category_name(value: pb.DocumentCategory.ValueType) -> str:
    if value == pb.DOCUMENT_CATEGORY_UNSPECIFIED:
        return ""
    try:
        return pb.DocumentCategory.Name(value).removeprefix("DOCUMENT_CATEGORY_")
    except ValueError:
        raise InvalidArgument("Catégorie inconnue", reason="INVALID_CATEGORY") from None


def category_pb(code: str) -> pb.DocumentCategory.ValueType:
    return pb.DocumentCategory.Value(f"DOCUMENT_CATEGORY_{code}") if code else pb.DOCUMENT_CATEGORY_UNSPECIFIED


def document(s: Shown) -> pb.Document:
    d, p = s.document, s.permissions
    return pb.Document(
        document_id=d.document_id, patient_id=d.patient_id, title=d.title, document_date=d.document_date.isoformat(),
        category=category_pb(d.category), class_code=d.class_code, type_code=d.type_code,
        author=pb.DocumentAuthor(type=AUTHOR_TO_PB.get(d.author.type, pb.AUTHOR_TYPE_UNSPECIFIED), id=d.author.id,
                                 display_name=d.author.display_name, profession_code=d.author.profession_code,
                                 organisation_type=d.author.organisation_type,
                                 delegate_account_id=d.author.delegate_account_id),
        content_type=d.content_type, size_bytes=d.size_bytes, sha256=d.sha256, filename=d.filename,
        visibility=pb.DocumentVisibility(
            masked=d.visibility.masked, hidden_from_patient=d.visibility.hidden_from_patient,
            hidden_from_legal_representatives=d.visibility.hidden_from_legal_representatives,
            hidden_from_patient_until=timestamp(d.visible_to_patient_from())),
        state=pb.DOCUMENT_STATE_DELETED_BY_AUTHOR if d.deleted else pb.DOCUMENT_STATE_AVAILABLE,
        pinned=d.pinned, pinned_at=timestamp(d.pinned_at), folder_id=d.folder_id or "",
        created_at=timestamp(d.created_at), updated_at=timestamp(d.updated_at), deleted_at=timestamp(d.deleted_at),
        permissions=pb.DocumentPermissions(
            can_download=p.can_download, can_delete=p.can_delete, can_update_title=p.can_update_title,
            can_update_date=p.can_update_date, can_update_category=p.can_update_category,
            can_update_visibility=p.can_update_visibility, can_organise=p.can_organise))


def upload_meta(m: pb.UploadDocumentMetadata) -> UploadMeta:
    author = None
    if m.HasField("author"):
        author = Author(type=AUTHOR_FROM_PB.get(m.author.type, ""), id=m.author.id,
                        display_name=m.author.display_name, profession_code=m.author.profession_code,
                        organisation_type=m.author.organisation_type)
    return UploadMeta(
        patient_id=m.patient_id, title=m.title, document_date=m.document_date, category=category_name(m.category),
        class_code=m.class_code, type_code=m.type_code, masked=m.masked if m.HasField("masked") else None,
        hidden_from_patient=m.hidden_from_patient,
        hidden_from_patient_until=datetime_of(m, "hidden_from_patient_until", path="metadata."),
        hidden_from_legal_representatives=m.hidden_from_legal_representatives, filename=m.filename,
        size_bytes=m.size_bytes, sha256=m.sha256, folder_id=m.folder_id, upload_id=m.upload_id, author=author)


def access(message, field: str = "access") -> Access:
    if not message.HasField(field):
        return Access()
    a = getattr(message, field)
    mode = MODE_FROM_PB.get(a.mode)
    if mode is None:
        raise InvalidArgument("Mode d'accès inconnu")
    if len(a.justification) > 2000:
        raise InvalidArgument("justification : 2000 caractères au plus")
    return Access(mode, a.justification, TypedIdentity(a.patient_family_name, a.patient_given_name,
                                                       a.patient_birth_date))


def filters(r: pb.ListDocumentsRequest) -> Filters:
    author_types: frozenset[str] = frozenset()
    if r.author_type:
        name = AUTHOR_FROM_PB.get(r.author_type)
        if name is None:
            raise InvalidArgument("author_type inconnu")
        author_types = frozenset({name, "delegate"} if name == "patient" else {name})
    return Filters(categories=frozenset(category_name(c) for c in r.categories), type_codes=frozenset(r.type_codes),
                   class_codes=frozenset(r.class_codes), author_id=r.author_id, author_types=author_types,
                   pinned_only=r.pinned_only, folder_id=r.folder_id, include_deleted=r.include_deleted)


def sort(value: pb.DocumentSort.ValueType) -> str:
    if value not in SORT_FROM_PB:
        raise InvalidArgument("Tri inconnu")
    return SORT_FROM_PB[value]


def decision(d: Decision) -> pb.Decision:
    return pb.Decision(allowed=d.allowed, rule=d.rule, reason=d.reason)


MODE_TO_PB = {Mode.NORMAL: pb.ACCESS_MODE_NORMAL, Mode.BRIS_DE_GLACE: pb.ACCESS_MODE_BRIS_DE_GLACE,
              Mode.CENTRE_15: pb.ACCESS_MODE_CENTRE_15}


def explanation(e: Explanation) -> pb.AccessExplanation:
    return pb.AccessExplanation(
        allowed=e.normal.decision.allowed, rule=e.normal.decision.rule, explanation=e.normal.explanation,
        subject=e.subject, matrix_version=e.matrix_version, provisional=e.provisional,
        emergency=[pb.EmergencyAccessExplanation(mode=MODE_TO_PB[o.mode], allowed=o.decision.allowed,
                                                 rule=o.decision.rule, explanation=o.explanation)
                   for o in e.emergency])


def actor_spec(a: pb.Actor) -> ActorSpec:
    return ActorSpec(type=ACTOR_FROM_PB.get(a.type, ""), id=a.id, profession_code=a.profession_code,
                     on_behalf_of=a.on_behalf_of)


def operation(value: pb.DocumentOperation.ValueType) -> str:
    if value not in OPERATION_FROM_PB:
        raise InvalidArgument("Opération inconnue")
    return OPERATION_FROM_PB[value]


def folder(f: Folder) -> pb.Folder:
    return pb.Folder(folder_id=f.folder_id, patient_id=f.patient_id, name=f.name, document_count=f.document_count,
                     created_at=timestamp(f.created_at), updated_at=timestamp(f.updated_at))


def upload_policy() -> pb.UploadPolicy:
    return pb.UploadPolicy(max_size_bytes=MAX_SIZE_BYTES, accepted_file_types=[
        pb.AcceptedFileType(content_type=t.content_type, extensions=list(t.extensions), stored_as=t.stored_as)
        for t in ACCEPTED])


def profession(p: Profession) -> pb.MatrixProfession:
    return pb.MatrixProfession(profession_code=p.code, label=p.label, column=p.column, column_label=p.column_label)


def matrix_entry(e: Entry) -> pb.AccessMatrixEntry:
    return pb.AccessMatrixEntry(type_code=e.type_code, type_label=e.type_label, class_code=e.class_code,
                                class_label=e.class_label, display_group=e.display_group, readable=e.readable,
                                provisional=e.provisional)
