"""The archive as exports writes it from the services' parts: each file whole and byte for byte under
its service's folder, with the manifest; a part that strays outside its folder, climbs out of it or
names a file twice fails the build (retried, never a half-trusted archive)."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone

import pytest

from exports.domain import archive
from exports.domain.models import RUNNING, Chunk, Export
from exports.domain.ports import Source, SourceFailed, SourceWithoutExport

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)
EXPORT = Export(export_id="e-1", patient_id="p-1", requested_by="p-1", state=RUNNING, requested_at=NOW)


def source(name: str, folder: str, chunks: list[Chunk]) -> Source:
    return Source(name, folder, lambda account_id, export_id: iter(chunks))


def written(tmp_path, *sources: Source) -> dict[str, bytes]:
    target = tmp_path / "archive.zip"
    size, digest = archive.write(target, EXPORT, list(sources), NOW)
    assert size == target.stat().st_size and len(digest) == 64
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_files_in_several_chunks_come_out_whole_with_their_digest(tmp_path):
    big = bytes(range(256)) * 5000
    files = written(tmp_path, source("documents", "documents/", [
        Chunk("documents/documents.json", "application/json", b"{}"),
        Chunk("documents/fichiers/a.bin", "application/octet-stream", big[:700000]),
        Chunk("documents/fichiers/a.bin", "", big[700000:])]))
    assert files["documents/fichiers/a.bin"] == big
    manifest = json.loads(files["export.json"])
    assert [(f["path"], f["size_bytes"]) for f in manifest["files"]] == [
        ("documents/documents.json", 2), ("documents/fichiers/a.bin", len(big))]
    assert "LISEZMOI.txt" in files


@pytest.mark.parametrize("path", ["messagerie/x.json", "documents/../identite/x.json", "/etc/passwd",
                                  "documents//x", "documents/"])
def test_a_path_outside_the_services_folder_fails_the_build(tmp_path, path):
    with pytest.raises(SourceFailed):
        written(tmp_path, source("documents", "documents/", [Chunk(path, "application/json", b"{}")]))


def test_a_file_named_twice_fails_the_build(tmp_path):
    chunks = [Chunk("agenda/agenda.json", "application/json", b"{}"), Chunk("agenda/agenda.ics", "text/calendar", b""),
              Chunk("agenda/agenda.json", "application/json", b"{}")]
    with pytest.raises(SourceFailed):
        written(tmp_path, source("agenda", "agenda/", chunks))


def test_a_service_without_export_is_named_in_the_manifest(tmp_path):
    def unimplemented(account_id, export_id):
        raise SourceWithoutExport("profile")
        yield  # pragma: no cover
    files = written(tmp_path, Source("profile", "profil-medical/", unimplemented),
                    source("agenda", "agenda/", [Chunk("agenda/agenda.ics", "text/calendar", b"BEGIN:VCALENDAR")]))
    manifest = json.loads(files["export.json"])
    assert (manifest["services"], manifest["services_without_export"]) == (["agenda"], ["profile"])
