"""Listing is pure: filters, the six sort orders, keyset pages that never repeat or skip."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from documents.domain import listing
from documents.domain.listing import Filters, paginate
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


class TestSort:
    def test_default_is_newest_document_date_first(self):
        docs = [doc(1, day=3), doc(2, day=9), doc(3, day=5)]
        assert [d.document_id for d in paginate(docs).documents] == ["doc-002", "doc-003", "doc-001"]

    def test_oldest_first(self):
        docs = [doc(1, day=3), doc(2, day=9), doc(3, day=5)]
        assert [d.document_id for d in paginate(docs, sort=listing.DATE_ASC).documents] == ["doc-001", "doc-003", "doc-002"]

    def test_by_title_ignores_case(self):
        docs = [doc(1, title="radio"), doc(2, title="Analyse"), doc(3, title="Zona")]
        names = [d.title for d in paginate(docs, sort=listing.TITLE_ASC).documents]
        assert names == ["Analyse", "radio", "Zona"]
        assert [d.title for d in paginate(docs, sort=listing.TITLE_DESC).documents] == names[::-1]

    def test_by_author_display_name(self):
        docs = [doc(1, author="Dr Martin"), doc(2, author="Dr Bernard"), doc(3, author="dr Durand")]
        assert [d.author.display_name for d in paginate(docs, sort=listing.AUTHOR_ASC).documents] == [
            "Dr Bernard", "dr Durand", "Dr Martin"]
        assert paginate(docs, sort=listing.AUTHOR_DESC).documents[0].author.display_name == "Dr Martin"

    def test_same_date_ties_are_stable(self):
        docs = [doc(n, day=1) for n in range(5)]
        first = [d.document_id for d in paginate(docs).documents]
        assert first == [d.document_id for d in paginate(list(reversed(docs))).documents]


class TestPages:
    @pytest.mark.parametrize("sort", listing.SORTS)
    def test_pages_cover_everything_once(self, sort):
        docs = [doc(n, day=1 + n % 7, title=f"T{n % 4}", author=f"Dr {n % 3}") for n in range(23)]
        seen, token = [], ""
        while True:
            page = paginate(docs, sort=sort, page_size=5, page_token=token)
            seen += [d.document_id for d in page.documents]
            token = page.next_page_token
            if not token:
                break
        assert sorted(seen) == sorted(d.document_id for d in docs) and len(seen) == len(set(seen))
        assert seen == [d.document_id for d in paginate(docs, sort=sort, page_size=100).documents]

    def test_last_full_page_has_no_token(self):
        assert paginate([doc(n) for n in range(4)], page_size=4).next_page_token == ""

    def test_token_of_another_sort_is_refused(self):
        token = paginate([doc(n) for n in range(4)], page_size=2).next_page_token
        with pytest.raises(InvalidArgument):
            paginate([doc(1)], sort=listing.TITLE_ASC, page_token=token)

    @pytest.mark.parametrize("token", ["garbage", "eyJzIjoxfQ==", "%%%"])
    def test_forged_tokens_are_refused(self, token):
        with pytest.raises(InvalidArgument):
            paginate([doc(1)], page_token=token)

    def test_page_size_is_capped(self):
        assert len(paginate([doc(n) for n in range(300)], page_size=1000).documents) == listing.MAX_PAGE_SIZE


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
