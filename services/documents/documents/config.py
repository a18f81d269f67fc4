from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, ObjectStoreSettings, env


@dataclass(frozen=True, kw_only=True)
class DocumentsSettings(CommonSettings, ObjectStoreSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (reads are refused while it cannot record them)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "",
                                  help="host:port of notifications; empty = notices wait in the outbox")
    # File bytes: any S3 endpoint, or a local folder when S3_ENDPOINT is empty (make run).
    s3_bucket: str = env("S3_BUCKET", "mes-documents")
    documents_dir: str = env("DOCUMENTS_DIR", "", help="folder of the file bytes when S3_ENDPOINT is empty")
    matrix_file: str = env("MATRIX_FILE", "", help="the DMP read matrix (operator data, YAML); empty = the shipped "
                                                   "provisional matrix; a bad file stops the service at start")
    attestations_interval_seconds: float = env(
        "ATTESTATIONS_INTERVAL_SECONDS", 30.0,
        help="seconds between two collections of identity's caregiving attestations (saved in the documents)")
    erasure_interval_seconds: float = env(
        "ERASURE_INTERVAL_SECONDS", 60.0,
        help="seconds between two pulls of identity's pending erasures (deleted spaces: bytes and rows erased)")
