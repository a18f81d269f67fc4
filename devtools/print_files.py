"""Reading notifications' print files back as the print provider would: the ZIP, its manifest, each PDF."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from mes.notifications.v1 import notifications_pb2 as pb
from pypdf import PdfReader


def run_batch(h) -> pb.LetterBatch:
    return h.stub.RunLetterBatch(pb.RunLetterBatchRequest(), metadata=h.operator(), timeout=60)


def open_print_file(batch: pb.LetterBatch) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(Path(batch.location)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        pdfs = {name: archive.read(name) for name in archive.namelist() if name.endswith(".pdf")}
    return manifest, pdfs


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def letters_of(batch: pb.LetterBatch) -> dict[str, str]:
    """letter id -> the text of its PDF."""
    manifest, pdfs = open_print_file(batch)
    return {entry["letter_id"]: pdf_text(pdfs[entry["file"]]) for entry in manifest["letters"]}
