"""Which document: identifiers checked, then fetched from the repository or NOT_FOUND."""
from __future__ import annotations

from meskit.errors import NotFound, Violations

from documents.domain.models import Document

ID_LIMIT = 64
NO_SUCH_DOCUMENT = "Document introuvable"


def require_ids(**ids: str) -> None:
    v = Violations()
    for name, value in ids.items():
        v.require(value, name)
        v.max_length(value, name, ID_LIMIT)
    v.raise_if_any()


def get_or_404(repo, patient_id: str, document_id: str, *, for_update: bool = False) -> Document:
    document = repo.get_document(patient_id, document_id, for_update=for_update)
    if document is None:
        raise NotFound(NO_SUCH_DOCUMENT)
    return document
