"""Reads the DMP read matrix from its data file, once, for the composition root."""
from __future__ import annotations

from pathlib import Path

import documents.domain.access
from documents.domain.access import Matrix, MatrixError, parse_matrix

MATRIX_FILE = Path(documents.domain.access.__file__).with_name("matrix.yaml")


def load_matrix(path: Path | str = MATRIX_FILE) -> Matrix:
    """The parsed matrix; MatrixError names the file, the line and the field of every problem."""
    path = Path(path or MATRIX_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MatrixError(f"{path}: cannot read the matrix file ({type(exc).__name__}: {exc})") from None
    return parse_matrix(text, source=str(path))
