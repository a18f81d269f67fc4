"""Errors of the documents service beyond the kit's (meskit.errors)."""
from __future__ import annotations

from meskit.errors import DomainError


class DataLoss(DomainError):
    """The stored bytes no longer match the recorded SHA-256: nothing is sent."""
    code = "DATA_LOSS"


class DuplicateUpload(Exception):
    """Raised by the repository when another deposit with the same upload_id committed first."""
