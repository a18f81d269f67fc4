"""`python -m audit verify-export ARCHIVE_OR_FOLDER [--public-key FILE ...]`: check the activity
history of an export ("Télécharger mes données") offline, without the log or its database.

ARCHIVE_OR_FOLDER is the export's ZIP archive, its unpacked folder, or its `historique/` folder.
The signed tree head is checked against the keys given with --public-key (PEM or DER; pin them for
an independent check), or else against the keys the export includes. Prints one line; exit 0 when
all is well, 1 naming the first bad record, 2 when it cannot run.
"""
from __future__ import annotations

import argparse
import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from audit.adapters.keys import HeadVerifier, load_public_key
from audit.domain import history_export as files
from audit.domain.history_check import ExportReport, check


def reader(location: Path) -> Callable[[str], bytes | None]:
    """Files of the archive by their path in it (`historique/...`)."""
    if location.is_file():
        archive = zipfile.ZipFile(location)
        names = set(archive.namelist())
        return lambda path: archive.read(path) if path in names else None
    root = location if (location / files.FOLDER).is_dir() else location.parent   # else: historique/ itself
    return lambda path: (root / path).read_bytes() if (root / path).is_file() else None


def included_keys(read: Callable[[str], bytes | None]) -> list[bytes]:
    data = read(files.KEYS)
    return [load_public_key(k["public_key_pem"].encode()) for k in json.loads(data)] if data else []


def verify_export(location: Path, public_keys: list[bytes] | None = None) -> ExportReport:
    read = reader(location)
    keys = public_keys if public_keys is not None else included_keys(read)
    return check(read, HeadVerifier(keys))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m audit verify-export", description=__doc__.split("\n\n")[0])
    parser.add_argument("location", type=Path, help="the export's ZIP archive or folder")
    parser.add_argument("--public-key", action="append", type=Path, default=[],
                        help="a trusted tree head key (PEM or DER); repeat for several")
    args = parser.parse_args(argv)
    try:
        keys = [load_public_key(path.read_bytes()) for path in args.public_key] or None
        report = verify_export(args.location, keys)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        print(f"cannot verify the export: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(report.line())
    raise SystemExit(0 if report.ok else 1)
