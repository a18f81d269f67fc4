"""Reads the DMP read matrix from its data file, once, for the composition root."""
from __future__ import annotations

from pathlib import Path

import documents.domain.access
from documents.domain.access import Matrix, parse_matrix

MATRIX_FILE = Path(documents.domain.access.__file__).with_name("matrix.yaml")


def load_matrix(path: Path = MATRIX_FILE) -> Matrix:
    return parse_matrix(Path(path).read_text(encoding="utf-8"), source=str(path))
