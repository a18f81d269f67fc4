"""Conflicts the repository reports to the use-cases (not errors a caller sees)."""
from __future__ import annotations


class DuplicateMessage(Exception):
    """Another send with the same writer and client_message_id committed first."""
