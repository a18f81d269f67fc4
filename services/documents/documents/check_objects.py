"""`python -m documents check-objects [--sizes-only]`: check documents' rows against the object store.

Every document row must have its object with the recorded size and SHA-256 (read and hashed as a
stream), a tombstone (deleted by its author) must have none, and every object under `documents/`
must have its row. Prints one line a problem, naming the document by id and the object by key
(nothing else: no title, no patient), then a summary; exit 0 when consistent, 1 when anything is
wrong, 2 when it cannot run. With the service's own settings (DATABASE_URL, S3_* or DOCUMENTS_DIR).

A deposit writes its object just before its row, a deletion removes its row just before its object:
one under way while the check runs may show as an orphan or a missing object. Run it again to tell.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator

import sqlalchemy as sa
from minio.error import MinioException
from urllib3.exceptions import HTTPError

from meskit import config, db
from meskit.logs import configure_logging
from meskit.objects import ObjectNotFound, ObjectStore

from documents.adapters.tables import documents
from documents.config import DocumentsSettings
from documents.domain.consistency import Counts, OutOfOrder, StoredDocument, StoredObject, check
from documents.domain.models import DELETED_BY_AUTHOR
from documents.wiring import object_store

ROWS_PER_FETCH = 1000


def documents_by_key(connection: sa.Connection) -> Iterator[StoredDocument]:
    """Every row, in byte order of the key (as S3 lists), through a server-side cursor."""
    query = (sa.select(documents.c.document_id, documents.c.object_key, documents.c.size_bytes, documents.c.sha256,
                       documents.c.state)
             .order_by(documents.c.object_key.collate("C"), documents.c.document_id))
    for row in connection.execution_options(yield_per=ROWS_PER_FETCH).execute(query):
        yield StoredDocument(row.document_id, row.object_key, row.size_bytes, row.sha256,
                             tombstone=row.state == DELETED_BY_AUTHOR)


def sha256_reader(store: ObjectStore):
    def sha256_of(key: str) -> str | None:
        digest = hashlib.sha256()
        try:
            for chunk in store.stream(key):
                digest.update(chunk)
        except ObjectNotFound:
            return None
        return digest.hexdigest()
    return sha256_of


def check_objects(database_url: str, store: ObjectStore, *, sizes_only: bool = False,
                  out=sys.stdout) -> Counts:
    """Print each finding as it is met, then the summary; the counts."""
    counts = Counts()
    engine = db.make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            objects = (StoredObject(key, size) for key, size in store.listing())
            for finding in check(documents_by_key(connection), objects, None if sizes_only else sha256_reader(store),
                                 counts):
                print(finding.line(), file=out, flush=True)
    finally:
        engine.dispose()
    print(counts.line(), file=out)
    return counts


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m documents check-objects", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-only", action="store_true",
                        help="compare sizes from the listing, without reading the bytes to hash them")
    args = parser.parse_args(argv)
    try:
        settings = config.load(DocumentsSettings)
        store = object_store(settings)
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.service_name, settings.log_level)
    try:
        counts = check_objects(settings.database_url, store, sizes_only=args.sizes_only)
    except (OutOfOrder, sa.exc.OperationalError, OSError, MinioException, HTTPError) as exc:
        print(f"cannot check the documents' objects: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(1 if counts.findings else 0)
