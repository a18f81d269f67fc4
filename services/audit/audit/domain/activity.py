"""Reading the log: a patient's activity history, one record, operators' search.

Order: `occurred_at`, then leaf index, newest first unless asked otherwise: a total, stable order.
Page tokens are opaque (base64url of the last position and a fingerprint of the query), so a
token only continues the query that produced it.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import Caller
from meskit.errors import InvalidArgument, NotFound, Violations

from audit.domain import access, actor_labels, visibility
from audit.domain.leaf import canonical, timestamp_text
from audit.domain.models import HEALTHCARE_PROFESSIONAL, Page, StoredRecord, canonical_id
from audit.domain.ports import Dependencies

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class RecordFilter:
    """Every field narrows the result; empty fields do not filter."""

    patient_id: str = ""
    actor_id: str = ""
    actor_types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    resource_type: str = ""
    resource_id: str = ""
    start_time: datetime | None = None      # inclusive
    end_time: datetime | None = None        # exclusive


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime
    leaf_index: int


@dataclass(frozen=True)
class PageRequest:
    page_size: int = 0
    page_token: str = ""
    oldest_first: bool = False


def _fingerprint(query: RecordFilter, oldest_first: bool) -> str:
    values = {k: (timestamp_text(v) if isinstance(v, datetime) else v)
              for k, v in dataclasses.asdict(query).items()}
    return hashlib.sha256(canonical({**values, "oldest_first": oldest_first})).hexdigest()[:16]


def encode_token(cursor: Cursor, fingerprint: str) -> str:
    raw = canonical({"o": timestamp_text(cursor.occurred_at), "i": cursor.leaf_index, "q": fingerprint})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_token(token: str, fingerprint: str) -> Cursor:
    invalid = InvalidArgument("Jeton de page invalide", reason="PAGE_TOKEN_INVALID")
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor = Cursor(datetime.fromisoformat(data["o"].replace("Z", "+00:00")), int(data["i"]))
        same_query = data["q"] == fingerprint
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise invalid from None
    if not same_query:
        raise InvalidArgument("Ce jeton de page appartient à une autre recherche", reason="PAGE_TOKEN_INVALID")
    return cursor


def _page(deps: Dependencies, query: RecordFilter, page: PageRequest,
          viewer: visibility.HistoryViewer | None = None) -> Page:
    v = Violations()
    if page.page_size < 0:
        v.add("page_size", "nombre positif attendu")
    if query.start_time and query.end_time and query.start_time >= query.end_time:
        v.add("end_time", "doit suivre start_time")
    v.raise_if_any()
    size = min(page.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    fingerprint = _fingerprint(query, page.oldest_first)
    after = decode_token(page.page_token, fingerprint) if page.page_token else None
    with deps.unit_of_work() as repo:
        rows = repo.find_records(query, after=after, limit=size + 1, oldest_first=page.oldest_first, viewer=viewer)
    token = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        token = encode_token(Cursor(last.entry.occurred_at, last.leaf_index), fingerprint)
    shown = [visibility.shown_to(r, viewer) for r in rows]    # the repository left out what viewer never sees
    return Page([r for r in shown if r is not None], token)


def list_activity(deps: Dependencies, caller: Caller, patient_id: str, query: RecordFilter,
                  page: PageRequest, professional_id: str = "") -> Page:
    """The patient's activity history. Delegates' actions show as theirs: the actor is the delegate,
    `on_behalf_of` the patient."""
    access.require_patient_activity(caller, patient_id)
    query = dataclasses.replace(query, patient_id=patient_id)
    if professional_id:
        wanted = tuple(t for t in query.actor_types or (HEALTHCARE_PROFESSIONAL,) if t == HEALTHCARE_PROFESSIONAL)
        if not wanted:      # asked for a professional among actors that cannot be one
            return Page([])
        query = dataclasses.replace(query, actor_id=professional_id, actor_types=wanted)
    found = _page(deps, query, page, visibility.viewer_of(caller, deps.now()))
    return dataclasses.replace(found, records=[actor_labels.labelled(r) for r in found.records])


def get_record(deps: Dependencies, caller: Caller, patient_id: str, record_id: str) -> StoredRecord:
    access.require_record_reader(caller, patient_id)
    record = find_by_id(deps, record_id)
    if record is None or record.entry.personal.patient_id != patient_id:
        raise NotFound("Enregistrement introuvable")
    now = deps.now()
    shown = visibility.shown_to(record, visibility.viewer_of(caller, now) or visibility.for_service(caller, now))
    if shown is None:
        raise NotFound("Enregistrement introuvable")
    return actor_labels.labelled(shown)


def find_by_id(deps: Dependencies, record_id: str) -> StoredRecord | None:
    wanted = canonical_id(record_id)
    if not wanted:
        return None
    with deps.unit_of_work() as repo:
        return repo.records_by_ids({wanted}).get(wanted)


def search_records(deps: Dependencies, caller: Caller, query: RecordFilter, page: PageRequest) -> Page:
    """Operators and support, across patients (e.g. every access by one professional)."""
    caller.require(*access.SEARCHERS)
    return _page(deps, query, page)

