from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class DocumentsSettings(CommonSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (reads are refused while it cannot record them)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "",
                                  help="host:port of notifications; empty = notices wait in the outbox")
    # File bytes: any S3 endpoint, or a local folder when S3_ENDPOINT is empty (make run).
    s3_endpoint: str = env("S3_ENDPOINT", "", help="host:port of the S3 endpoint; empty = DOCUMENTS_DIR on disk")
    s3_access_key: str = env("S3_ACCESS_KEY", "", secret=True)
    s3_secret_key: str = env("S3_SECRET_KEY", "", secret=True)
    s3_bucket: str = env("S3_BUCKET", "mes-documents")
    s3_region: str = env("S3_REGION", "")
    s3_secure: bool = env("S3_SECURE", True, help="TLS to the S3 endpoint")
    documents_dir: str = env("DOCUMENTS_DIR", "", help="folder of the file bytes when S3_ENDPOINT is empty")
