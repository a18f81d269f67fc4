"""One ZIP archive from the services' parts: each service's files under its own folder, then
`export.json` (what the archive holds, with each file's SHA-256) and `LISEZMOI.txt`. Written to a
file as the chunks arrive: an archive is never held whole in memory."""
from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime
from pathlib import Path

from exports.domain.models import Export
from exports.domain.ports import Source, SourceFailed, SourceWithoutExport

READ_ME = """Mon espace santé : l'archive de vos données

Chaque dossier contient les données d'un service :
- identite/ : votre compte, vos coordonnées, vos proches et votre équipe de soins ;
- documents/ : vos documents (fichiers d'origine) et leur description (documents.json) ;
- messagerie/ : vos messages et leurs pièces jointes ;
- agenda/ : votre agenda (agenda.json, et agenda.ics pour votre calendrier) ;
- profil-medical/ : votre profil médical (profil.json et profil.pdf) ;
- historique/ : l'historique des accès et actions sur votre profil, avec la preuve signée qui
  permet de le vérifier hors ligne.
Le fichier export.json liste chaque fichier avec son empreinte SHA-256.
"""


def _checked(path: str, source: Source, seen: set[str]) -> str:
    parts = path.split("/")
    if (not path.startswith(source.folder) or path.endswith("/") or "\\" in path
            or any(p in ("", ".", "..") for p in parts) or path in seen):
        raise SourceFailed(f"{source.name}: chemin refusé")
    seen.add(path)
    return path


def write(target: Path, export: Export, sources: list[Source], now: datetime) -> tuple[int, str]:
    """The archive at `target`; (its size, its SHA-256). Raises SourceFailed."""
    listed: list[dict] = []
    seen: set[str] = set()
    missing: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source in sources:
            try:
                _add(archive, source, export, now, seen, listed)
            except SourceWithoutExport:
                missing.append(source.name)
        manifest = {"export_id": export.export_id, "patient_id": export.patient_id, "generated_at": now.isoformat(),
                    "services": [s.name for s in sources if s.name not in missing],
                    "services_without_export": missing, "files": listed}
        archive.writestr(zipfile.ZipInfo("export.json", _stamp(now)),
                         json.dumps(manifest, ensure_ascii=False, indent=2), zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo("LISEZMOI.txt", _stamp(now)), READ_ME, zipfile.ZIP_DEFLATED)
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return target.stat().st_size, digest.hexdigest()


class _File:
    """One file of the archive being written, its digest and size counted on the way."""

    def __init__(self, archive: zipfile.ZipFile, path: str, content_type: str, service: str, now: datetime):
        self.entry = {"path": path, "content_type": content_type or "application/octet-stream", "service": service}
        self._handle = archive.open(zipfile.ZipInfo(path, _stamp(now)), "w", force_zip64=True)
        self._digest, self._size = hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self._digest.update(data)
        self._size += len(data)

    def close(self) -> dict:
        self._handle.close()
        return {**self.entry, "size_bytes": self._size, "sha256": self._digest.hexdigest()}


def _add(archive: zipfile.ZipFile, source: Source, export: Export, now: datetime, seen: set[str],
         listed: list[dict]) -> None:
    """One service's files, as its chunks arrive: a new path starts a new file."""
    current: _File | None = None
    for chunk in source.export(export.patient_id, export.export_id):
        if current is None or chunk.path != current.entry["path"]:
            if current is not None:
                listed.append(current.close())
            current = _File(archive, _checked(chunk.path, source, seen), chunk.content_type, source.name, now)
        current.write(chunk.data)
    if current is not None:
        listed.append(current.close())


def _stamp(now: datetime) -> tuple[int, int, int, int, int, int]:
    return (max(now.year, 1980), now.month, now.day, now.hour, now.minute, now.second)
