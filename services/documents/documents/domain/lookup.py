"""Which document: identifiers checked, then fetched from the repository or NOT_FOUND."""
from __future__ import annotations

from meskit.errors import NotFound

from documents.domain.models import Document

NO_SUCH_DOCUMENT = "Document introuvable"


def get_or_404(repo, patient_id: str, document_id: str, *, for_update: bool = False) -> Document:
    document = repo.get_document(patient_id, document_id, for_update=for_update)
    if document is None:
        raise NotFound(NO_SUCH_DOCUMENT)
    return document
