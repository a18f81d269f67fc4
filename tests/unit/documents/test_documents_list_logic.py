"""Listing's pure parts: filters, page tokens and their keys, page sizes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from documents.domain import listing
from documents.domain.listing import Filters
from documents.domain.models import DELETED_BY_AUTHOR, Author, Document, Visibility
from meskit.errors import InvalidArgument

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def doc(n: int, *, title: str = "", day: int = 1, author: str = "", category: str = "CPT_REND",
        type_code: str = "DOCPAT03", pinned: bool = False, state: str = "available", folder: str | None = None,
        author_type: str = "patient") -> Document:
    return Document(
        document_id=f"doc-{n:03d}", patient_id="p1", title=title or f"Titre {n}", document_date=date(2026, 1, day),
        category=category, class_code="10", type_code=type_code,
        author=Author(type=author_type, id=f"a-{author or 'p1'}", display_name=author), content_type="application/pdf",
        size_bytes=10, sha256="0" * 64, filename="x.pdf", object_key="0" * 32, visibility=Visibility(),
        state=state, pinned=pinned, folder_id=folder, created_at=T0 + timedelta(minutes=n), updated_at=T0)


class TestTokens:
    """Sorting and cutting are the query's (tests/integration/documents/test_documents_list_pages.py)."""

    def test_a_token_gives_back_the_key_the_query_compares(self):
        token = listing.encode_token(listing.DATE_DESC, ["2026-01-03", "2026-03-01T08:00:00+00:00", "doc-001"])
        key = listing.decode_token(token, listing.DATE_DESC)
        assert listing.after_values(listing.DATE_DESC, key) == (date(2026, 1, 3), T0, "doc-001")
        assert listing.after_values(listing.TITLE_ASC, ["bilan", "2026-01-03", "doc-001"]) == (
            "bilan", date(2026, 1, 3), "doc-001")

    def test_token_of_another_sort_is_refused(self):
        token = listing.encode_token(listing.DATE_DESC, ["2026-01-03", "2026-03-01T08:00:00+00:00", "doc-001"])
        with pytest.raises(InvalidArgument):
            listing.decode_token(token, listing.TITLE_ASC)

    @pytest.mark.parametrize("token", ["garbage", "eyJzIjoxfQ==", "%%%"])
    def test_forged_tokens_are_refused(self, token):
        with pytest.raises(InvalidArgument):
            listing.decode_token(token, listing.DATE_DESC)

    def test_a_key_that_is_no_date_is_refused(self):
        with pytest.raises(InvalidArgument):
            listing.after_values(listing.DATE_ASC, ["yesterday", "2026-03-01T08:00:00+00:00", "doc-001"])

    def test_unknown_sort_and_page_sizes(self):
        with pytest.raises(InvalidArgument):
            listing.check_sort("size_desc")
        assert listing.page_size_of(1000) == listing.MAX_PAGE_SIZE and listing.page_size_of(0) == listing.DEFAULT_PAGE_SIZE
        with pytest.raises(InvalidArgument):
            listing.page_size_of(-1)


class TestFilters:
    def test_category_type_author_pinned_folder(self):
        docs = [doc(1, category="BIOLOGIE", type_code="DOCPAT05"), doc(2, pinned=True, folder="f1"),
                doc(3, author="Dr X", author_type="professional", type_code="11502-2")]
        assert [d.document_id for d in docs if Filters(categories=frozenset({"BIOLOGIE"})).matches(d)] == ["doc-001"]
        assert [d.document_id for d in docs if Filters(type_codes=frozenset({"11502-2"})).matches(d)] == ["doc-003"]
        assert [d.document_id for d in docs if Filters(author_id="a-Dr X").matches(d)] == ["doc-003"]
        assert [d.document_id for d in docs if Filters(author_types=frozenset({"professional"})).matches(d)] == ["doc-003"]
        assert [d.document_id for d in docs if Filters(pinned_only=True).matches(d)] == ["doc-002"]
        assert [d.document_id for d in docs if Filters(folder_id="f1").matches(d)] == ["doc-002"]

    def test_tombstones_only_on_request(self):
        gone = doc(1, state=DELETED_BY_AUTHOR)
        assert not Filters().matches(gone) and Filters(include_deleted=True).matches(gone)
