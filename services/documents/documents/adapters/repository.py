"""All of documents' queries. A repository works inside the session it is given and never commits:
the use-case's unit of work does."""
from __future__ import annotations

import functools
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from meskit import db
from meskit.audit import AuditRecord, ResourceVisibility
from meskit.events import Envelope
from meskit.outbox import add_audit_record, add_envelope, add_resource_visibility, delete_relayed

from documents.adapters.tables import documents, folders, outbox
from documents.domain.errors import DuplicateUpload
from documents.domain import listing
from documents.domain.listing import Filters, Reach
from documents.domain.models import AVAILABLE, Author, Document, Folder, Visibility

AUTHOR_COLUMNS = {"type": "author_type", "id": "author_id", "display_name": "author_display_name",
                  "profession_code": "author_profession_code", "organisation_type": "author_organisation_type",
                  "delegate_account_id": "delegate_account_id"}
VISIBILITY_COLUMNS = ("masked", "hidden_from_patient", "hidden_from_patient_until", "hidden_from_legal_representatives")
UPDATABLE = frozenset({"title", "document_date", "category", "class_code", "type_code", "pinned", "pinned_at",
                       "folder_id", "state", "deleted_at", "updated_at", *VISIBILITY_COLUMNS})


def _document(row) -> Document:
    """A row (a mapping of column names: db.Query's, or a SQLAlchemy row's `_mapping`) as a Document."""
    return Document(
        document_id=row["document_id"], patient_id=row["patient_id"], title=row["title"],
        document_date=row["document_date"], category=row["category"], class_code=row["class_code"],
        type_code=row["type_code"], author=Author(**{field: row[column] for field, column in AUTHOR_COLUMNS.items()}),
        content_type=row["content_type"], size_bytes=row["size_bytes"], sha256=row["sha256"],
        filename=row["filename"], object_key=row["object_key"],
        visibility=Visibility(**{c: row[c] for c in VISIBILITY_COLUMNS}), state=row["state"], pinned=row["pinned"],
        pinned_at=row["pinned_at"], folder_id=row["folder_id"], upload_id=row["upload_id"],
        created_at=row["created_at"], updated_at=row["updated_at"], deleted_at=row["deleted_at"])


_ONE_DOCUMENT = sa.select(documents).where(documents.c.patient_id == sa.bindparam("patient_id"),
                                           documents.c.document_id == sa.bindparam("document_id"))
_DOCUMENT_BY_ID, _DOCUMENT_BY_ID_FOR_UPDATE = db.Query(_ONE_DOCUMENT), db.Query(_ONE_DOCUMENT.with_for_update())

# A listing's query is one of a few shapes (the sort, the filters and narrowing in use, a page after a
# key or the first): each is compiled once (db.Query) and takes its values as parameters, sets as arrays.
_FILTER_CONDITIONS = {
    "categories": lambda p: documents.c.category == sa.any_(p),
    "type_codes": lambda p: documents.c.type_code == sa.any_(p),
    "class_codes": lambda p: documents.c.class_code == sa.any_(p),
    "author_id": lambda p: sa.or_(documents.c.author_id == p, documents.c.delegate_account_id == p),
    "author_types": lambda p: documents.c.author_type == sa.any_(p),
    "folder_id": lambda p: documents.c.folder_id == p,
}
_ARRAYS = frozenset({"categories", "type_codes", "class_codes", "author_types", "readable_types"})


def _parameter(name: str):
    return sa.bindparam(name, type_=ARRAY(sa.String) if name in _ARRAYS else None)


def _filter_values(f: Filters) -> dict[str, Any]:
    """The filters in use, by the name of their parameter."""
    values = {"categories": sorted(f.categories), "type_codes": sorted(f.type_codes),
              "class_codes": sorted(f.class_codes), "author_id": f.author_id, "author_types": sorted(f.author_types),
              "folder_id": f.folder_id}
    return {name: value for name, value in values.items() if value}


def _reach_values(reach: Reach) -> dict[str, Any]:
    if reach.everything:
        return {}
    values: dict[str, Any] = {"authored_by": reach.authored_by}
    if reach.type_codes:
        values["readable_types"] = sorted(reach.type_codes)
    return values


@functools.lru_cache(maxsize=256)
def _page_query(sort: str, used: frozenset[str], pinned_only: bool, include_deleted: bool, after: bool) -> db.Query:
    """The query of one shape: `used` names the parameters given (filters, reach), `after` a page's key."""
    c = documents.c
    text = None if listing.by_date(sort) else sa.func.lower(
        c.title if sort in (listing.TITLE_ASC, listing.TITLE_DESC) else c.author_display_name)
    order = [c.document_date, c.created_at] if text is None else [text.collate("C"), c.document_date]
    order.append(c.document_id)
    conditions = [c.patient_id == _parameter("patient_id"),
                  *(condition(_parameter(name)) for name, condition in _FILTER_CONDITIONS.items() if name in used)]
    if pinned_only:
        conditions.append(c.pinned)
    if not include_deleted:
        conditions.append(c.state == AVAILABLE)
    if "authored_by" in used:
        authored = sa.and_(c.author_type == "professional", c.author_id == _parameter("authored_by"))
        conditions.append(sa.or_(authored, c.type_code == sa.any_(_parameter("readable_types")))
                          if "readable_types" in used else authored)
    if after:
        position, key = sa.tuple_(*order), sa.tuple_(*(_parameter(f"after_{i}") for i in range(len(order))))
        conditions.append(position < key if listing.descending(sort) else position > key)
    query = sa.select(documents, *([] if text is None else [text.label("sort_text")])).where(*conditions)
    return db.Query(query.order_by(*(o.desc() for o in order) if listing.descending(sort) else order)
                    .limit(_parameter("row_limit")))


class DocumentsRepository:
    def __init__(self, session: Session):
        self._session = session

    # ---- documents ----
    def add_document(self, d: Document, *, upload_key: str = "", if_absent: bool = False) -> bool:
        """False when `if_absent` and a document with this id exists already (nothing written)."""
        values = {c: getattr(d, c) for c in (
            "document_id", "patient_id", "title", "document_date", "category", "class_code", "type_code",
            "content_type", "size_bytes", "sha256", "filename", "object_key", "state", "pinned", "pinned_at",
            "folder_id", "upload_id", "created_at", "updated_at", "deleted_at")}
        values.update({column: getattr(d.author, field) for field, column in AUTHOR_COLUMNS.items()})
        values.update({c: getattr(d.visibility, c) for c in VISIBILITY_COLUMNS})
        values["upload_key"] = upload_key or None
        if if_absent or d.upload_id:     # a taken key writes nothing (a violation would name a partition's index)
            key = ("patient_id", "document_id") if if_absent else ("patient_id", "upload_key", "upload_id")
            inserted = self._session.execute(insert(documents).on_conflict_do_nothing(index_elements=key).returning(
                documents.c.document_id), values).first()
            if inserted is None and not if_absent:
                raise DuplicateUpload()
            return inserted is not None
        self._session.execute(documents.insert(), values)
        return True

    def get_document(self, patient_id: str, document_id: str, *, for_update: bool = False) -> Document | None:
        query = _DOCUMENT_BY_ID_FOR_UPDATE if for_update else _DOCUMENT_BY_ID
        row = query.first(self._session, patient_id=patient_id, document_id=document_id)
        return _document(row) if row else None

    def list_documents(self, patient_id: str, *, for_update: bool = False) -> list[Document]:
        query = sa.select(documents).where(documents.c.patient_id == patient_id).order_by(documents.c.created_at)
        return [_document(r._mapping) for r in self._session.execute(query.with_for_update() if for_update else query)]

    def page_documents(self, patient_id: str, filters: Filters, reach: Reach, *, sort: str, after: tuple | None,
                       limit: int) -> list[tuple[list[str], Document]]:
        """At most `limit` of the patient's rows matching `filters` within `reach`, in the order `sort`,
        after the key `after` (listing.after_values); each with its page-token key."""
        values = {**_filter_values(filters), **_reach_values(reach)}
        query = _page_query(sort, frozenset(values), filters.pinned_only, filters.include_deleted, after is not None)
        values.update({f"after_{i}": v for i, v in enumerate(after or ())}, patient_id=patient_id, row_limit=limit)
        by_date = listing.by_date(sort)
        found = []
        for row in query.all(self._session, **values):
            document = _document(row)
            first = document.document_date.isoformat()
            key = [first, document.created_at.isoformat()] if by_date else [row["sort_text"], first]
            found.append((key + [document.document_id], document))
        return found

    def find_upload(self, patient_id: str, upload_key: str, upload_id: str) -> Document | None:
        row = self._session.execute(sa.select(documents).where(
            documents.c.patient_id == patient_id, documents.c.upload_key == upload_key, documents.c.upload_id == upload_id)).first()
        return _document(row._mapping) if row else None

    def update_document(self, patient_id: str, document_id: str, **values) -> None:
        unknown = set(values) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        self._session.execute(documents.update().where(documents.c.patient_id == patient_id,
                                                       documents.c.document_id == document_id).values(**values))

    def delete_document(self, patient_id: str, document_id: str) -> None:
        self._session.execute(documents.delete().where(documents.c.patient_id == patient_id,
                                                       documents.c.document_id == document_id))

    def delete_patient_documents(self, patient_id: str) -> list[str]:
        keys = self._session.execute(documents.delete().where(documents.c.patient_id == patient_id)
                                     .returning(documents.c.object_key)).scalars().all()
        self._session.execute(folders.delete().where(folders.c.patient_id == patient_id))
        return list(keys)

    def claim_due_embargoes(self, now, limit: int) -> list[Document]:
        """Documents still hidden from the patient whose embargo ran out (the stored announcement date,
        or one calendar month after deposit in UTC, whichever comes first, as Document.visible_to_patient_from),
        locked for this transaction; rows another replica holds are skipped."""
        month_after = sa.text("((documents.created_at AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'")
        lifts_at = sa.func.least(documents.c.hidden_from_patient_until, month_after)   # LEAST ignores NULL
        query = (sa.select(documents).where(documents.c.hidden_from_patient, documents.c.state == "available",
                                            lifts_at <= now)
                 .order_by(documents.c.created_at).limit(limit).with_for_update(skip_locked=True))
        return [_document(r._mapping) for r in self._session.execute(query)]

    # ---- folders ----
    def add_folder(self, f: Folder) -> None:
        self._session.execute(folders.insert().values(folder_id=f.folder_id, patient_id=f.patient_id, name=f.name,
                                                      created_at=f.created_at, updated_at=f.updated_at))

    def _folders(self, *conditions) -> list[Folder]:
        count = (sa.select(sa.func.count()).where(documents.c.patient_id == folders.c.patient_id,
                                                  documents.c.folder_id == folders.c.folder_id,
                                                  documents.c.state == "available")
                 .correlate(folders).scalar_subquery())
        rows = self._session.execute(sa.select(folders, count.label("document_count")).where(*conditions))
        return [Folder(folder_id=r.folder_id, patient_id=r.patient_id, name=r.name, document_count=r.document_count,
                       created_at=r.created_at, updated_at=r.updated_at) for r in rows]

    def get_folder(self, patient_id: str, folder_id: str) -> Folder | None:
        found = self._folders(folders.c.patient_id == patient_id, folders.c.folder_id == folder_id)
        return found[0] if found else None

    def list_folders(self, patient_id: str) -> list[Folder]:
        return self._folders(folders.c.patient_id == patient_id)

    def rename_folder(self, folder_id: str, name: str, now) -> None:
        self._session.execute(folders.update().where(folders.c.folder_id == folder_id).values(name=name, updated_at=now))

    def delete_folder(self, patient_id: str, folder_id: str) -> None:
        self._session.execute(documents.update().where(documents.c.patient_id == patient_id,
                                                       documents.c.folder_id == folder_id).values(folder_id=None))
        self._session.execute(folders.delete().where(folders.c.folder_id == folder_id))

    # ---- outbox ----
    def delete_published_events(self, patient_id: str) -> int:
        return delete_relayed(self._session, outbox, patient_id)

    def add_audit(self, record: AuditRecord) -> None:
        add_audit_record(self._session, outbox, record)

    def add_notice(self, envelope: Envelope, *, once: bool = False) -> bool:
        """An event for notifications (meskit.events); `once`: nothing if its id is already taken."""
        return add_envelope(self._session, outbox, envelope, once=once)

    def add_visibility(self, visibility: ResourceVisibility) -> None:
        """The document's restriction, for audit's redaction of the history."""
        add_resource_visibility(self._session, outbox, visibility)
